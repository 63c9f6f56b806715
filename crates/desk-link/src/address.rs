//! The server's address as a clerk types it, made into the URL the desk uses.

use crate::LinkError;

/// The office server's port unless the address names another (`permit-desk-server`'s
/// default `--listen`).
pub const DEFAULT_PORT: u16 = 8443;

/// `https://host:port` for what the clerk typed: `192.168.1.10`, `192.168.1.10:8443`,
/// `office-pc`, `https://office-pc:8443/` (a path is dropped). Plain `http://` is refused
/// (the server speaks TLS only), as is anything with credentials, a query or spaces.
pub fn server_url(typed: &str) -> Result<String, LinkError> {
    let typed = typed.trim();
    let rest = match typed.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => rest,
        Some(_) => return Err(LinkError::Address),
        None => typed,
    };
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty()
        || authority.contains(['@', '?', '#', ' ', '\t'])
        || authority.chars().any(|c| c.is_control() || !c.is_ascii())
    {
        return Err(LinkError::Address);
    }
    // An IPv6 address is written in brackets, so its colons are not a port's.
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner.split_once(']').ok_or(LinkError::Address)?;
        (format!("[{host}]"), after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    let port = match port {
        None => DEFAULT_PORT,
        Some(port) => port.parse::<u16>().ok().filter(|port| *port != 0).ok_or(LinkError::Address)?,
    };
    let host_ok = host.starts_with('[')
        || (!host.is_empty()
            && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !host.starts_with(['.', '-']));
    if !host_ok {
        return Err(LinkError::Address);
    }
    Ok(format!("https://{}:{port}", host.to_ascii_lowercase()))
}

/// The host of a URL [`server_url`] made, as the TLS connection names the server.
pub(crate) fn host_of(url: &str) -> &str {
    let authority = url.trim_start_matches("https://");
    if let Some(inner) = authority.strip_prefix('[') {
        return inner.split(']').next().unwrap_or_default();
    }
    authority.rsplit_once(':').map_or(authority, |(host, _)| host)
}

/// The `host:port` of a URL [`server_url`] made, to connect a socket to.
pub(crate) fn authority_of(url: &str) -> &str {
    url.trim_start_matches("https://")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a failing unwrap is the test report")]
mod tests {
    use super::*;

    #[test]
    fn what_a_clerk_types_becomes_an_https_url() {
        assert_eq!(server_url("192.168.1.10").unwrap(), "https://192.168.1.10:8443");
        assert_eq!(server_url(" 192.168.1.10:9000 ").unwrap(), "https://192.168.1.10:9000");
        assert_eq!(server_url("Office-PC").unwrap(), "https://office-pc:8443");
        assert_eq!(server_url("https://office-pc:8443/index.html").unwrap(), "https://office-pc:8443");
        assert_eq!(server_url("[fe80::1]:8443").unwrap(), "https://[fe80::1]:8443");
    }

    #[test]
    fn what_no_server_can_be_reached_at_is_refused() {
        for typed in [
            "",
            "http://192.168.1.10",
            "ftp://x",
            "192.168.1.10:0",
            "192.168.1.10:99999",
            "192.168.1.10:port",
            "user@host",
            "host name",
            "服务器",
            "-host",
            "host?x=1",
        ] {
            assert!(matches!(server_url(typed), Err(LinkError::Address)), "{typed:?} was accepted");
        }
    }

    #[test]
    fn host_and_authority_are_read_back() {
        assert_eq!(host_of("https://192.168.1.10:8443"), "192.168.1.10");
        assert_eq!(host_of("https://[fe80::1]:8443"), "fe80::1");
        assert_eq!(authority_of("https://office-pc:9000"), "office-pc:9000");
    }
}
