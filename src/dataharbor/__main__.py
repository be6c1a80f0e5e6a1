from dataharbor.cli import main

main()
