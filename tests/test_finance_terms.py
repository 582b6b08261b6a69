"""Finance sized to need, donors' calls, next-best proposals, defaults that stop conversions.

docs/model.md §3.5-3.6.
"""

from __future__ import annotations

import numpy as np
import pytest

from industry_transition import TransitionModel, run
from industry_transition.model import agreements
from industry_transition.model.negotiation import _proposal_order


@pytest.fixture(scope="module")
def leadit_finance():
    # carbon prices three times as high make uncapped routes worth financing early
    return run("leadit", seed=1, steps=22, carbon_price_scale=3.0)


def test_grants_never_exceed_the_funding_gap_or_the_capex(leadit_finance):
    finance = leadit_finance.partnerships.query("kind == 'finance'")
    assert len(finance) > 5
    assert (finance["need_musd"] > 0).all()
    np.testing.assert_allclose(finance["amount_musd"], finance["need_musd"], rtol=1e-12)
    assert (finance["amount_musd"] <= finance["capex_musd"] + 1e-9).all()
    assert (finance["delivered_musd"] <= finance["amount_musd"] + 1e-9).all()


def test_donors_do_not_finance_capped_routes(leadit_finance):
    finance = leadit_finance.partnerships.query("kind == 'finance'")
    assert not finance["technology"].isin(["scrap_eaf", "lc3"]).any()


def test_a_proposer_tries_its_deals_in_order_of_joint_surplus():
    surplus = np.array([3.0, -np.inf, 5.0, -1.0, 3.0, 0.0])
    # best first, equal surpluses in column order, only deals with a joint gain
    assert _proposal_order(surplus) == [2, 0, 4]
    # a best deal without joint gain is the only one tried
    assert _proposal_order(np.array([-2.0, -np.inf, -1.0])) == [2]
    assert _proposal_order(np.array([-np.inf, -np.inf])) == []


def test_a_donor_funds_its_call_in_order_of_value_per_dollar(leadit_finance):
    """Within one call (year, round) a donor's grants go best value per grant dollar first."""
    events = leadit_finance.events
    signed = events[(events["event"] == "agreement") & (events["kind"] == "finance")]
    terms = leadit_finance.partnerships.set_index("partnership_id")
    signed = signed.join(terms[["surplus_musd", "need_musd"]], on="partnership_id")
    # the donor's value is the surplus plus the grant (= need), per dollar of grant
    signed = signed.assign(
        per_dollar=(signed["surplus_musd"] + signed["need_musd"]) / signed["need_musd"]
    )
    calls = 0
    for _, call in signed.groupby(["year", "round", "party_a"], sort=False):
        values = call["per_dollar"].to_numpy()
        assert (np.diff(values) <= 1e-9).all()
        calls += len(call) > 1
    assert calls > 0, "some donor funded more than one request in a call"


def test_a_company_gets_at_most_one_grant_per_call(leadit_finance):
    events = leadit_finance.events
    signed = events[(events["event"] == "agreement") & (events["kind"] == "finance")]
    assert (signed.groupby(["year", "round", "party_b"]).size() == 1).all()


def test_no_finance_is_signed_outside_the_calls(monkeypatch):
    """The rounds' proposals make no finance deal: switching the calls off leaves none."""
    from industry_transition.model import negotiation

    monkeypatch.setattr(negotiation, "finance_call", lambda *args, **kwargs: None)
    result = run("leadit", seed=1, steps=22, carbon_price_scale=3.0)
    assert not (result.partnerships["kind"] == "finance").any()


def test_enforcement_stops_lines_only_where_donors_can_default():
    """Summed over two seeds: no default when binding, more without enforcement."""
    stops = {}
    for regime in ("binding", "reputational", "none"):
        defaults = stopped = 0
        for seed in (1, 2):
            result = run("leadit", seed=seed, steps=22, carbon_price_scale=3.0, enforcement=regime)
            events = result.events
            defaults += int((events["event"] == "default").sum())
            stopped += int(events["text"].str.contains("stops converting").sum())
        assert stopped <= defaults
        stops[regime] = (defaults, stopped)
    assert stops["binding"] == (0, 0)
    assert stops["none"][0] > stops["reputational"][0] > 0
    assert stops["none"][1] > 0


def test_a_default_stops_the_line_and_writes_off_its_grant():
    """After a default the line keeps its route: the grant delivered cannot pay another one."""
    model = TransitionModel("leadit", seed=1, carbon_price_scale=3.0, enforcement="none")
    for _ in range(22):
        model.step()
    events = model.events.to_frame()
    assert events["text"].str.contains("stops converting").sum() > 0
    written_off = sum(entry[4] for entry in model.ledger.entries if entry[5] == "abandoned project")
    # the lines that stopped (a company that finishes a conversion alone keeps its grant)
    stopped = {
        (int(year), text.split("stops converting ", 1)[1].split(" to ", 1)[0])
        for year, text in zip(events["year"], events["text"], strict=True)
        if "stops converting" in text
    }
    defaulted = [
        p
        for p in model.registry.records.values()
        if p.kind == "finance" and p.status == "defaulted"
    ]
    abandoned = [p for p in defaulted if (p.ended_year, model.fleet.ids[p.plant]) in stopped]
    assert abandoned
    assert written_off == pytest.approx(sum(p.delivered_musd for p in abandoned))
    # a grant stays only on a line still converting (or on a closed row)
    fleet = model.fleet
    holding = (fleet.grant_musd > 0) & (fleet.capacity_mt > 0)
    assert (fleet.pending_technology[holding] >= 0).all()


def test_one_loss_of_trust_per_pair_and_year():
    from industry_transition.model.registry import Partnership

    model = TransitionModel("leadit", seed=1, snapshots=False)
    trust = model.trust
    other = trust.get("usa", "ind")
    for number in range(3):
        line = Partnership(f"gov-test-{number}", "government", "usa", "chn", 2024, 2030)
        model.registry.add(line)
        agreements.default_partnership(model, line, "test")
    assert trust.get("usa", "chn") == pytest.approx(
        trust.prior("usa", "chn") * (1 - model.params.trust_loss)
    )
    assert trust.get("usa", "ind") == other
