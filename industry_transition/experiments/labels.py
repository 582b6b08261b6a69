"""Readable names with units for the columns people see on charts (the app, summarize --plot).

``column_label("cumulative_emissions_mt")`` gives "cumulative emissions, Mt CO2": no chart
shows a raw column name. Known names are listed; any other is read from its suffix
(``_musd`` USD million, ``_mt`` Mt, ``_share`` share).
"""

from __future__ import annotations

LABELS = {
    "cumulative_emissions_mt": "cumulative emissions, Mt CO2",
    "emissions_mt": "emissions, Mt CO2 per year",
    "emissions_steel_mt": "steel emissions, Mt CO2 per year",
    "emissions_cement_mt": "cement emissions, Mt CO2 per year",
    "emissions_2030_mt": "emissions in 2030, Mt CO2",
    "emissions_2050_mt": "emissions in 2050, Mt CO2",
    "finance_delivered_musd": "finance delivered (cumulative), USD million",
    "finance_committed_musd": "finance committed (cumulative), USD million",
    "partnerships_formed": "partnerships formed (cumulative)",
    "partnerships_active": "active partnerships",
    "finance_to_lower_income_share": "share of finance to lower-income countries",
    "low_carbon_capacity_share": "low-carbon share of capacity",
    "initiative_members": "initiative member countries",
    "production_steel_mt": "steel production, Mt per year",
    "production_cement_mt": "cement production, Mt per year",
    "carbon_price_scale": "carbon price scale (multiplier)",
    "donor_finance_scale": "donor finance scale (multiplier)",
    "rounds_per_year": "negotiation rounds per year",
    "candidates_per_agent": "candidates per agent",
}
UNITS = (("_musd", ", USD million"), ("_mt", ", Mt"), ("_share", " (share)"))


def column_label(column: str) -> str:
    """A column's name as a reader sees it, with its unit."""
    if column in LABELS:
        return LABELS[column]
    for suffix, unit in UNITS:
        if column.endswith(suffix):
            return column.removesuffix(suffix).replace("_", " ") + unit
    return column.replace("_", " ")
