"""MAP selection (RFC 5380 s.9.1), the MN state table and sequence arithmetic."""

from __future__ import annotations

from ipaddress import IPv6Address as A

from hypothesis import given
from hypothesis import strategies as st

from hmipviz.engine.addresses import seq_greater
from hmipviz.engine.messages import MapOption
from hmipviz.engine.nodes.mobile_node import MN_STATES, MN_TRANSITIONS, next_state, select_map


def opt(n: int, dist: int, pref: int, lifetime: int = 600) -> MapOption:
    return MapOption(dist=dist, pref=pref, r=True, valid_lifetime_s=lifetime,
                     map_address=A(f"2001:db8:{n}00::1"))


def test_furthest_map_wins():
    assert select_map([opt(1, 2, 15), opt(2, 4, 1), opt(3, 3, 15)]).map_address == \
        A("2001:db8:200::1")


def test_pref_breaks_ties_between_equal_dist():
    assert select_map([opt(1, 3, 5), opt(2, 3, 9)]).map_address == A("2001:db8:200::1")


def test_pref_zero_and_lifetime_zero_are_skipped():
    options = [opt(1, 5, 0), opt(2, 4, 7, lifetime=0), opt(3, 2, 1)]
    assert select_map(options).map_address == A("2001:db8:300::1")


def test_no_usable_map():
    assert select_map([opt(1, 5, 0), opt(2, 4, 7, lifetime=0)]) is None
    assert select_map([]) is None


options_st = st.lists(st.builds(opt, st.integers(1, 9), st.integers(1, 15),
                                st.integers(0, 15), st.sampled_from([0, 4, 600])),
                      max_size=6, unique_by=lambda o: o.map_address)


@given(options_st)
def test_selection_is_the_usable_option_with_largest_dist_then_pref(options):
    chosen = select_map(options)
    usable = [o for o in options if o.pref > 0 and o.valid_lifetime_s > 0]
    if not usable:
        assert chosen is None
        return
    assert chosen in usable
    assert all((o.dist, o.pref) <= (chosen.dist, chosen.pref) for o in usable)


@given(st.sampled_from(MN_STATES), st.sampled_from(sorted({i for _, i in MN_TRANSITIONS})))
def test_every_transition_leads_to_a_known_state(state, event):
    target = next_state(state, event)
    assert target is None or target in MN_STATES


def test_link_down_always_detaches():
    assert all(next_state(s, "link down") == "detached" for s in MN_STATES)


@given(st.integers(0, 65535), st.integers(1, 32767))
def test_sequence_numbers_compare_modulo_2_16(x, step):
    y = (x + step) % 65536
    assert seq_greater(y, x)
    assert not seq_greater(x, y)
    assert not seq_greater(x, x)


def test_sequence_wraps():
    assert seq_greater(0, 65535) and seq_greater(5, 65530) and not seq_greater(65530, 5)
