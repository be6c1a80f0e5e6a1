"""Turning uploaded files into Records: type detection and one extractor per format family."""
