"""Source names for titles and footnotes, read from data/clean/metadata.json.

The ETL writes each source's short name, publisher, title, edition and licence beside the clean
frames, so the dashboard never reads data/raw/sources.toml. A clean folder written before
metadata.json existed still works: every name then falls back to the source key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SourceNames:
    """`names.short("bns-kz-trade-by-country")` -> 'BNS'; unknown sources give their key."""

    meta: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def _field(self, source: str, name: str) -> str:
        value = self.meta.get(str(source), {}).get(name)
        return str(value) if value else str(source)

    def known(self, source: str) -> bool:
        return str(source) in self.meta

    def short(self, source: str) -> str:
        return self._field(source, "short")

    def publisher(self, source: str) -> str:
        return self._field(source, "publisher")

    def title(self, source: str) -> str:
        return self._field(source, "title")

    def edition(self, source: str) -> str:
        """The publisher's edition or release as the manifest states it ('' if unknown)."""
        return str(self.meta.get(str(source), {}).get("edition") or "")

    def latest_end(self, source: str) -> date | None:
        """The last day of the newest period the ETL read from the source (None if unknown)."""
        value = self.meta.get(str(source), {}).get("latest_period_end")
        try:
            return date.fromisoformat(str(value)[:10]) if value else None
        except ValueError:
            return None

    def label(self, source: str, vintage: str | None = None) -> str:
        """'UNCTAD (2014 edition)': the short name with the edition when given."""
        short = self.short(source)
        return f"{short} ({vintage})" if vintage else short

    def note(self, source: str, extra: str = "") -> str:
        """'BNS, Main indicators of ...' (short name and title), with an optional note."""
        text = f"{self.short(source)}, {self.title(source)}" if self.known(source) else source
        return f"{text}; {extra}" if extra else text

    def citation(self, source: str) -> str:
        """'Publisher, Title': how a footnote names the whole source."""
        return f"{self.publisher(source)}, {self.title(source)}" if self.known(source) else source

    def short_of_citation(self, text: str) -> str:
        """The short name of the source a citation starts with (its key or publisher), or ''."""
        for key, meta in self.meta.items():
            if text.startswith(key) or text.startswith(meta.get("publisher") or "\0"):
                return self.short(key)
        return ""
