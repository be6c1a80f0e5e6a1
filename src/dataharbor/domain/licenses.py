"""SPDX licence ids the platform knows, and which of them are open data licences."""

from __future__ import annotations

import re

# Licences that allow anyone to use, share and train on the data (OSI/Open Definition conformant).
OPEN_LICENSES = frozenset(
    {
        "CC0-1.0",
        "CC-BY-3.0",
        "CC-BY-4.0",
        "CC-BY-SA-3.0",
        "CC-BY-SA-4.0",
        "PDDL-1.0",
        "ODC-By-1.0",
        "ODbL-1.0",
        "CDLA-Permissive-1.0",
        "CDLA-Permissive-2.0",
        "CDLA-Sharing-1.0",
        "MIT",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "Unlicense",
        "GFDL-1.3-or-later",
        "OGL-UK-3.0",
        "etalab-2.0",
        "DL-DE-BY-2.0",
        "DL-DE-ZERO-2.0",
        "NLOD-2.0",
        "CC-PDDC",
    }
)

# Known but restrictive: acceptable for private datasets only.
RESTRICTED_LICENSES = frozenset(
    {
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0",
        "CC-BY-NC-ND-4.0",
        "CC-BY-NC-3.0",
        "CC-BY-NC-SA-3.0",
        "CC-BY-NC-ND-3.0",
        "proprietary",
    }
)

_LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]+$")


def license_problem(spdx: str, tier: str) -> str | None:
    """Why `spdx` is not acceptable for a dataset of `tier`, or None when it is."""
    if tier == "open":
        if spdx in OPEN_LICENSES:
            return None
        return f"licence '{spdx}' is not an open licence; the open tier accepts only: " + ", ".join(
            sorted(OPEN_LICENSES)
        )
    if spdx in OPEN_LICENSES or spdx in RESTRICTED_LICENSES or _LICENSE_REF.match(spdx):
        return None
    return f"licence '{spdx}' is not a known SPDX id; use an SPDX id or LicenseRef-<name> for a custom agreement"
