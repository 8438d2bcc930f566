"""A valid scenario of any size, for timing the checks on large files."""

from __future__ import annotations


def big_scenario(nodes: int) -> str:
    """TOML of a scenario with ``nodes`` nodes: HA, CN, one MAP, the MN and ARs.

    Every AR hangs off the MAP and advertises it; the prefixes are distinct /64s.
    """
    ars = nodes - 4
    parts = [
        '[scenario]\nname = "big"\nduration_s = 10\n',
        '[[node]]\nname = "HA"\nrole = "ha"\naddress = "2001:db8:1::1"\n'
        'prefix = "2001:db8:1::/64"\n',
        '[[node]]\nname = "CN"\nrole = "cn"\naddress = "2001:db8:50::1"\n'
        'prefix = "2001:db8:50::/64"\n',
        '[[node]]\nname = "MAP1"\nrole = "map"\naddress = "2001:db8:100::1"\n'
        'prefix = "2001:db8:100::/64"\n',
        '[[node]]\nname = "MN"\nrole = "mn"\nhome_agent = "HA"\n'
        'home_address = "2001:db8:1::a"\nattach = "AR1"\n',
    ]
    for i in range(1, ars + 1):
        parts.append(
            f'[[node]]\nname = "AR{i}"\nrole = "ar"\naddress = "2001:db8:7:{i:x}::1"\n'
            f'prefix = "2001:db8:7:{i:x}::/64"\nmap_options = [{{ map = "MAP1" }}]\n'
        )
    parts += ['[[link]]\na = "HA"\nb = "MAP1"\n', '[[link]]\na = "CN"\nb = "MAP1"\n']
    parts += [f'[[link]]\na = "MAP1"\nb = "AR{i}"\n' for i in range(1, ars + 1)]
    return "\n".join(parts)
