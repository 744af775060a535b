"""The checks, fix-its and sources the wizard drives, and the questions it asks about them.

Built in a worker (`Engine.load`): importing the catalog pulls in the check modules,
which the first screen must not wait for.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from checks.manual import MANUAL_IDS
from checks.model import Answer, Component, SecretLookup, Settings
from checks.sources import Sources
from checks.spec import Check, Fix


# A modernized vault's rows: the appliance does the configuration, process and master target servers'
# work; the failed-over VMs reach Site Recovery over the internet (no VPN or ExpressRoute needed).
MODERNIZED_COMPONENTS = (Component.APPLIANCE, Component.FAILBACK_POLICY, Component.NETWORK)

# The five rows of the component table, in the article's order.
COMPONENTS = (
    Component.CONFIGURATION_SERVER,
    Component.PROCESS_SERVER,
    Component.MASTER_TARGET,
    Component.FAILBACK_POLICY,
    Component.NETWORK,
)

@dataclass
class Engine:
    settings: Settings
    checks: Sequence[Check]
    fixes: Mapping[str, Fix]
    sources: Sources
    config_answers: Mapping[str, Answer]

    @classmethod
    def load(cls, settings: Settings, lookup: SecretLookup) -> Engine:
        from checks import catalog

        sources = Sources(catalog.all_sources(), settings, lookup)
        return cls(settings, catalog.all_checks(), catalog.all_fixes(), sources, dict(settings.answers))

    @functools.cached_property
    def by_id(self) -> dict[str, Check]:
        # The checks are fixed once loaded; screens ask this on every render.
        return {c.id: c for c in self.checks}

    def of_component(self, *components: Component) -> list[Check]:
        return [c for c in self.checks if c.component in components]

    def of_step(self, component: Component, step: int) -> list[Check]:
        return [c for c in self.checks if c.component == component and (c.step == step or step in c.also_steps)]

    def ordered(self, ids: Iterable[str]) -> list[Check]:
        wanted = set(ids)
        return [c for c in self.checks if c.id in wanted]

    def use_answers(self, session_answers: Mapping[str, Answer]) -> None:
        """The operator's answers (wizard over config) become the settings the manual checks read."""
        merged = dict(self.config_answers)
        merged.update({k: v for k, v in session_answers.items() if k in MANUAL_IDS})
        self.sources.update_settings(answers=merged)
        self.settings = self.sources.settings
