//! Refuses XML responses that stop before their root element closes.
//!
//! The SDK's XML deserializer reads what is there: a body cut after a complete
//! `</item>` (connection dropped by a proxy, a truncated buffer) deserializes as a
//! successful page with fewer items, and the loss would be silent. Query-protocol
//! responses (EC2, STS) always end with `</{Operation}Response>`, so a complete body
//! ends with the closing tag of its root element. Found by the fault drills
//! (discover/tests/fault_drills.rs, `CutAtItem`).

/// Ok for a complete (or non-XML) body; Err with a short reason otherwise.
pub fn check_xml_complete(body: &[u8]) -> Result<(), String> {
    let Some(root) = root_name(body) else { return Ok(()) };
    let end = body.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    let tail = &body[..end];
    let closing = format!("</{root}>");
    if tail.ends_with(closing.as_bytes()) || (tail.ends_with(b"/>") && self_closed_root(body, root)) {
        return Ok(());
    }
    Err(format!(
        "truncated response: the {}-byte XML body does not end with {closing}; items may be missing, so the call is treated as failed",
        body.len()
    ))
}

/// Name of the first element, skipping the prolog, comments and whitespace; None
/// when the body is not XML (e.g. JSON from Organizations, or empty).
fn root_name(body: &[u8]) -> Option<&str> {
    let mut i = 0;
    loop {
        while i < body.len() && body[i].is_ascii_whitespace() {
            i += 1;
        }
        if body.get(i) != Some(&b'<') {
            return None;
        }
        match body.get(i + 1) {
            Some(b'?') | Some(b'!') => {
                let close = body[i..].iter().position(|&b| b == b'>')?;
                i += close + 1;
            }
            _ => {
                let start = i + 1;
                let len = body[start..].iter().position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')?;
                return std::str::from_utf8(&body[start..start + len]).ok().filter(|n| !n.is_empty());
            }
        }
    }
}

/// `<Root/>` or `<Root attr="x"/>` as the whole document.
fn self_closed_root(body: &[u8], root: &str) -> bool {
    let open = format!("<{root}");
    let Some(at) = body.windows(open.len()).position(|w| w == open.as_bytes()) else { return false };
    body[at..].iter().filter(|&&b| b == b'<').count() == 1
}

#[cfg(test)]
mod tests {
    use super::check_xml_complete as check;

    #[test]
    fn complete_bodies_pass() {
        assert!(check(b"<?xml version=\"1.0\"?>\n<DescribeVpcsResponse xmlns=\"x\"><vpcSet><item/></vpcSet></DescribeVpcsResponse>\n").is_ok());
        assert!(check(b"<GetCallerIdentityResponse><A>1</A></GetCallerIdentityResponse>").is_ok());
        assert!(check(b"<Empty/>").is_ok());
        assert!(check(b"{\"Accounts\": []}").is_ok());
        assert!(check(b"").is_ok());
    }

    #[test]
    fn truncated_bodies_fail() {
        let full = b"<?xml version=\"1.0\"?><DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId></item><item><groupId>sg-2</groupId></item></securityGroupInfo></DescribeSecurityGroupsResponse>";
        let cut = b"<?xml version=\"1.0\"?><DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId></item>";
        assert!(check(full).is_ok());
        let e = check(cut).unwrap_err();
        assert!(e.contains("</DescribeSecurityGroupsResponse>"), "{e}");
        assert!(check(b"<R><x>1</x></R><<garbage").is_err());
    }
}
