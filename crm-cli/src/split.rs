//! Cutting a CSV body into pieces at line ends, so the quote-free fast paths of `crm rfm` and
//! `crm attribution` parse it on every core.

/// Splits `body` into about `parts` pieces at line ends.
pub fn pieces(body: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(parts);
    let mut rest = body;
    for left in (1..=parts).rev() {
        if left == 1 || rest.is_empty() {
            out.push(rest);
            break;
        }
        let cut = rest.len() / left;
        let end = rest[cut..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(rest.len(), |p| cut + p + 1);
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    out
}
