//! The one protocol/port formatter: "tcp/443", "udp/53-60", "icmp", "all".

use crate::model::{PortRange, Protocol};

/// How "every protocol" reads: tables and terminals say "all", diagram edges
/// say "all traffic" (a bare "all" on a line is easy to misread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortStyle {
    Short,
    Words,
}

/// "tcp/443", "udp/53-60", "icmp", and "all" or "all traffic" by `style`. Ports
/// show only for protocols that have them (the analyses never give ports to others).
pub fn port_label(protocol: Protocol, ports: Option<PortRange>, style: PortStyle) -> String {
    match (protocol, ports) {
        (Protocol::All, _) if style == PortStyle::Words => "all traffic".into(),
        (p, Some(r)) if p.has_ports() => format!("{p}/{r}"),
        (p, _) => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let r = PortRange { from: 53, to: 60 };
        assert_eq!(port_label(Protocol::Udp, Some(r), PortStyle::Short), "udp/53-60");
        assert_eq!(port_label(Protocol::All, None, PortStyle::Short), "all");
        assert_eq!(port_label(Protocol::All, None, PortStyle::Words), "all traffic");
        assert_eq!(port_label(Protocol::Icmp, Some(r), PortStyle::Short), "icmp");
    }
}
