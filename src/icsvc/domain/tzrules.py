"""Which time-zone rules icsvc uses: the newer of the system's tz database and the `tzdata`
package's.

Zone rules change every year (a country moves its clocks, abolishes DST); a machine that is
not updated keeps old rules and would compute wrong business hours. The `tzdata` package is
a dependency, so icsvc always has a recent copy; `zoneinfo` prefers the system's copy when
it exists, so `use_newest()` points it at the package when the package is newer. It runs
before the first zone is built (`calendar.zone`), once per process.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_VERSION = r"^#\s*version\s+(\d{4})([a-z]*)"


def _parse(version: str) -> tuple[int, str] | None:
    match = re.match(r"^(\d{4})([a-z]*)$", version.strip().lower())
    return (int(match.group(1)), match.group(2)) if match else None


def system_version() -> str | None:
    """The version of the system's tz database (`# version 2025b` in tzdata.zi), if any."""
    import zoneinfo

    for folder in zoneinfo.TZPATH:
        try:
            with open(Path(folder) / "tzdata.zi", encoding="utf-8") as f:
                match = re.match(_VERSION, f.readline(), re.IGNORECASE)
        except OSError:
            continue
        if match:
            return match.group(1) + match.group(2).lower()
    return None


def package_version() -> str | None:
    try:
        import tzdata  # type: ignore[import-untyped]
    except ImportError:
        return None
    return str(tzdata.IANA_VERSION)


def package_folder() -> list[str]:
    """The tzdata package's zone files as a search path for `zoneinfo` (a folder of files,
    as in a wheel installed by pip); empty when it is not one (a zip), so `zoneinfo` falls
    back to reading the package's resources."""
    import tzdata

    folder = Path(tzdata.__file__).resolve().parent / "zoneinfo"
    return [str(folder)] if (folder / "UTC").is_file() else []


@cache
def use_newest() -> tuple[str, str]:
    """Point `zoneinfo` at the newer rules; returns (version, where they come from)."""
    import zoneinfo

    system, package = system_version(), package_version()
    newer = package is not None and (
        system is None or (_parse(package) or (0, "")) > (_parse(system) or (0, "")))
    if newer and package is not None:
        # only the tzdata package: its folder as the search path when it is one (reading a
        # file costs less than importlib.resources, 10 ms a command), else the package itself
        zoneinfo.reset_tzpath(to=package_folder())
        return package, "the tzdata package"
    if system is not None:
        return system, "the system"
    return "unknown", "the system"
