"""How the vault's fields read on the wire, as recorded traffic of real vaults shows them.

The SDK's model classes suggest typed values; real vaults send strings where a number is
expected ("3%", "12287.75"), null where a list is expected, time stamps with seven-digit
fractions or no zone, sentinel dates that mean "never", and enum values newer than the SDK.
Every check reads the vault through these helpers, so each of those forms is handled once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

HEARTBEAT_LIMIT_MIN = 15

# A clock on the far side may run a little ahead; more than this in the future is not a real time.
CLOCK_SKEW_MIN = 5.0


def text(value: Any) -> str:
    """A field as stripped text; "" for null and for non-scalar values."""
    if value is None or isinstance(value, (Mapping, list, tuple)):
        return ""
    return str(value).strip()


def mappings(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list field; [] for null, a lone object, or entries that are not objects."""
    if not isinstance(value, (list, tuple)):
        return []
    return [v for v in value if isinstance(v, Mapping)]


def same_name(a: Any, b: Any) -> bool:
    return bool(text(a)) and text(a).lower() == text(b).lower()


def when(stamp: Any) -> dt.datetime | None:
    """An ISO-8601 time stamp as an aware UTC time; None when absent, unreadable, or a "never" sentinel.

    Site Recovery writes 0001-01-01, 1753-01-01 (SQL's minimum) or 9999-12-31 for "never";
    a stamp without a zone is UTC.
    """
    raw = text(stamp)
    if not raw:
        return None
    try:
        parsed = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    if parsed.year <= 1753 or parsed.year >= 9999:
        return None
    return parsed.astimezone(dt.UTC)


def age_minutes(stamp: Any, now: dt.datetime | None = None) -> float | None:
    """Minutes since a time stamp; None when it never happened, is unreadable, or lies in the future.

    A heartbeat from the future proves nothing about the server, so it counts as unknown, not as fresh.
    """
    moment = when(stamp)
    if moment is None:
        return None
    now = now or dt.datetime.now(dt.UTC)
    minutes = (now - moment).total_seconds() / 60
    if minutes < -CLOCK_SKEW_MIN:
        return None
    return max(0.0, minutes)


def shown_age(minutes: float | None) -> str:
    return "?" if minutes is None else f"{minutes:.0f}"


def fresh(minutes: float | None) -> bool:
    return minutes is not None and minutes < HEARTBEAT_LIMIT_MIN


def version_key(value: Any) -> tuple[int, ...] | None:
    """A dotted version as numbers, so 9.55 < 9.100; None when it is not one."""
    parts = text(value).split(".")
    try:
        return tuple(int(p) for p in parts) if parts and parts[0] else None
    except ValueError:
        return None


def health_errors(errors: Any) -> list[str]:
    """Health errors as "code: summary" lines, for evidence and summaries."""
    out: list[str] = []
    for error in mappings(errors):
        code = text(error.get("errorCode")) or "?"
        words = text(error.get("summaryMessage")) or text(error.get("errorMessage")) or text(error.get("possibleCauses"))
        words = " ".join(words.split()).rstrip(".。")  # recorded messages span lines and end in a full stop
        out.append(f"{code}: {words}".strip().rstrip(":"))
    return out


def error_levels(errors: Any) -> list[str]:
    """The errorLevel of each health error, lower case ("" when the vault leaves it null). A notice of
    an expiry still to come (InMage...AboutToExpire, raised at Error level) is a warning: it blocks nothing yet."""
    return ["warning" if text(e.get("errorCode")).endswith("AboutToExpire") else text(e.get("errorLevel")).lower()
            for e in mappings(errors)]


CERTIFICATE_WARN_DAYS = 30


def certificate(server: Mapping[str, Any]) -> dict[str, Any] | None:
    """The server's SSL certificate as a finding: expired (the agents cannot talk to it: fail) or
    expiring within CERTIFICATE_WARN_DAYS (warn); None when fine or not stated."""
    days = number(server.get("sslCertExpiryRemainingDays"))
    if days is None:
        return None
    if days < 0:
        return {"key": "certificate-expired", "days": int(-days), "expiry": text(server.get("sslCertExpiryDate")) or "-"}
    if days < CERTIFICATE_WARN_DAYS:
        return {"key": "certificate-expiring", "days": int(days), "expiry": text(server.get("sslCertExpiryDate")) or "-"}
    return None


# --- agent version status (AgentVersionStatus) -------------------------------------------

SUPPORTED = "supported"
UNSUPPORTED = frozenset({"notsupported", "deprecated"})
UPDATE_NEEDED = frozenset({"updaterequired", "securityupdaterequired"})
KNOWN_VERSION_STATUSES = frozenset({SUPPORTED}) | UNSUPPORTED | UPDATE_NEEDED


def version_statuses(server: Mapping[str, Any]) -> dict[str, str]:
    """Where a server states its agent's support status, and what it says.

    Older payloads carry only `versionStatus`; newer ones also `agentVersionDetails.status`.
    Both are kept, raw, for the evidence.
    """
    found: dict[str, str] = {}
    if text(server.get("versionStatus")):
        found["versionStatus"] = text(server.get("versionStatus"))
    details = server.get("agentVersionDetails")
    if isinstance(details, Mapping) and text(details.get("status")):
        found["agentVersionDetails.status"] = text(details.get("status"))
    return found


def worst_version_status(statuses: Iterable[str]) -> str:
    """The status that matters most of those stated: unsupported, then unknown, then update needed."""
    values = [s for s in statuses if s]
    for group in (UNSUPPORTED, None, UPDATE_NEEDED):
        for value in values:
            low = value.lower()
            if (group is None and low not in KNOWN_VERSION_STATUSES) or (group is not None and low in group):
                return value
    return values[0] if values else ""


# --- health (ProtectionHealth and the fabric's health) ------------------------------------

# ProtectionHealth: None, Normal, Warning, Critical; a fabric may also say "Error". "None" means no
# health is computed for the object (older servers, objects without replication), not a problem.
HEALTHY = frozenset({"", "none", "normal"})
WARNING = frozenset({"warning"})
BAD = frozenset({"critical", "error"})


def health_level(value: Any) -> str:
    """"ok", "warn", "bad", or "unknown" (a word this tool does not know: never read as healthy)."""
    low = text(value).lower()
    if low in HEALTHY:
        return "ok"
    if low in WARNING:
        return "warn"
    if low in BAD:
        return "bad"
    return "unknown"


def judge_health(health: Any, errors: Any) -> dict[str, Any] | None:
    """A health word and its health errors as one judgement: None when all is well, else
    {"level": "bad" | "warn", "errors": [...]}. A bad word, or any error not at Warning level (a
    missing level counts as serious), is bad; a Warning word, an unknown word or warnings only warn."""
    lines = health_errors(errors)
    levels = error_levels(errors)
    serious = [line for line, level in zip(lines, levels) if level != "warning"]
    level = health_level(health)
    if level == "bad" or serious:
        return {"level": "bad", "errors": serious or lines}
    if level in ("warn", "unknown") or lines:
        return {"level": "warn", "errors": lines}
    return None


def strings(value: Any) -> list[str]:
    """A list field's non-empty text entries; [] for null, a lone string or number, or an object."""
    if not isinstance(value, (list, tuple)):
        return []
    return [text(v) for v in value if text(v)]


_PERCENT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%?\s*$")


def number(value: Any) -> float | None:
    """A number the vault may send as a number, a numeric string ("12287.75") or a percentage ("3%")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    found = _PERCENT.match(text(value))
    return float(found.group(1)) if found else None


def child(parent: Any, key: str) -> Mapping[str, Any]:
    """The object under `key`; {} when the parent is not an object or the value is null or not one."""
    value = parent.get(key) if isinstance(parent, Mapping) else None
    return value if isinstance(value, Mapping) else {}
