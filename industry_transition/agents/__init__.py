"""Mesa agents: countries, companies and initiatives."""

from industry_transition.agents.company import Company
from industry_transition.agents.country import Country
from industry_transition.agents.initiative import Initiative

__all__ = ["Company", "Country", "Initiative"]
