"""Which direct peers are reverse proxies whose X-Forwarded-* headers count."""

import ipaddress
from functools import cache

from app.core.config import settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def parse_networks(value: str) -> tuple[IPNetwork, ...]:
    """The networks in a comma-separated list; a malformed entry raises ValueError."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    )


def is_trusted_proxy(address: str) -> bool:
    """The address is named in the `trusted_proxies` setting (default: no one)."""
    networks = parse_networks(settings.trusted_proxies)
    if not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
