//! Which connections are served without a desk certificate (docs/office-server.md, "Trust
//! on the LAN"): browsers authenticate by session only, so an office may serve them from
//! given address ranges only (the server PC itself, the reviewers' room), or not at all.
//! A connection with no desk certificate from elsewhere may still join (`join_desk`) and
//! nothing else: `DESK_NOT_JOINED`.

use std::net::IpAddr;
use std::str::FromStr;

/// Where browsers (connections without a desk certificate) are served from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Browsers {
    /// From any address (the default: the office's LAN is the boundary).
    #[default]
    Anywhere,
    /// From these ranges only; none means joined desks only.
    From(Vec<AddressRange>),
}

impl Browsers {
    /// Whether a browser at `peer` is served.
    pub fn serves(&self, peer: IpAddr) -> bool {
        match self {
            Browsers::Anywhere => true,
            Browsers::From(ranges) => ranges.iter().any(|range| range.contains(peer)),
        }
    }
}

/// An address range, `192.168.1.0/24` or one address (`127.0.0.1`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRange {
    network: IpAddr,
    prefix: u8,
}

impl AddressRange {
    /// Whether `address` is in the range (an IPv4 address in its IPv6-mapped form too).
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                same_prefix(&network.octets(), &address.octets(), self.prefix)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                same_prefix(&network.octets(), &address.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn same_prefix(network: &[u8], address: &[u8], prefix: u8) -> bool {
    let bits = usize::from(prefix);
    let whole = bits / 8;
    if network[..whole] != address[..whole] {
        return false;
    }
    let rest = bits % 8;
    if rest == 0 {
        return true;
    }
    let mask = 0xff_u8 << (8 - rest);
    (network[whole] & mask) == (address[whole] & mask)
}

impl FromStr for AddressRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr =
            address.trim().parse().map_err(|_| format!("{text}: not an IP address or range"))?;
        let longest = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= longest)
                .ok_or_else(|| format!("{text}: the prefix must be 0 to {longest}"))?,
            None => longest,
        };
        Ok(AddressRange { network, prefix })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_hold_their_addresses_and_no_others() {
        let lan: AddressRange = "192.168.1.0/24".parse().unwrap();
        assert!(lan.contains(ip("192.168.1.77")));
        assert!(!lan.contains(ip("192.168.2.1")));
        assert!(lan.contains(ip("::ffff:192.168.1.5")), "an IPv4 peer seen on an IPv6 socket");
        let odd: AddressRange = "10.0.0.0/13".parse().unwrap();
        assert!(odd.contains(ip("10.7.255.255")));
        assert!(!odd.contains(ip("10.8.0.0")));
        let one: AddressRange = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: AddressRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")) && !v6.contains(ip("10.0.0.1")));
        assert!("0.0.0.0/0".parse::<AddressRange>().unwrap().contains(ip("8.8.8.8")));
        for wrong in ["192.168.1.0/33", "192.168.1/24", "desk", "::1/129", "10.0.0.0/x"] {
            assert!(wrong.parse::<AddressRange>().is_err(), "{wrong}");
        }
    }

    #[test]
    fn browsers_are_served_where_the_office_says() {
        assert!(Browsers::Anywhere.serves(ip("203.0.113.9")));
        assert!(!Browsers::From(Vec::new()).serves(ip("127.0.0.1")), "desks only");
        let from = Browsers::From(vec!["127.0.0.1".parse().unwrap(), "192.168.1.0/24".parse().unwrap()]);
        assert!(
            from.serves(ip("127.0.0.1")) && from.serves(ip("192.168.1.9")) && !from.serves(ip("192.168.3.9"))
        );
    }
}
