//! A zero-copy JSON walker for the scanner: visits every string and number leaf with its field
//! path (`json.data[].mobile`), its key, the key of the enclosing object and a group number (one
//! per innermost object). Strings without escapes are borrowed from the body; nothing else is
//! allocated per leaf. Malformed input returns `false` and the caller scans the body as text.

use std::borrow::Cow;

/// Nesting beyond this is refused (hostile bodies).
const MAX_DEPTH: usize = 128;

pub struct Leaf<'a, 'p> {
    pub path: &'p str,
    pub key: &'p str,
    pub parent: &'p str,
    pub group: u32,
    pub value: &'p str,
    pub is_string: bool,
    _body: std::marker::PhantomData<&'a ()>,
}

struct Frame<'a> {
    is_obj: bool,
    path_len: usize,
    group: u32,
    /// The key this container sits under (for arrays: the array's key; for objects inside
    /// arrays: the array's key).
    key: Cow<'a, str>,
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\n' | b'\r' | b'\t') {
        i += 1;
    }
    i
}

/// Parses the string whose opening quote is at `i`. Returns the content and the index after
/// the closing quote.
fn string(body: &str, i: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = body.as_bytes();
    let start = i + 1;
    let mut p = start;
    // most JSON strings are short: a scalar look at the first bytes beats the SIMD set-up
    let scalar_end = (start + 24).min(b.len());
    while p < scalar_end && b[p] != b'"' && b[p] != b'\\' {
        p += 1;
    }
    {
        if p >= b.len() {
            return None;
        }
        if b[p] != b'"' && b[p] != b'\\' {
            let off = memchr::memchr2(b'"', b'\\', &b[p..])?;
            p += off;
        }
        if b[p] == b'"' {
            return Some((Cow::Borrowed(&body[start..p]), p + 1));
        }
        // escapes: decode the rest into an owned string
        let mut out = String::with_capacity(p - start + 16);
        out.push_str(&body[start..p]);
        let mut q = p;
        loop {
            let c = *b.get(q)?;
            match c {
                b'"' => return Some((Cow::Owned(out), q + 1)),
                b'\\' => {
                    let e = *b.get(q + 1)?;
                    q += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hex = |at: usize| -> Option<u32> {
                                let h = body.get(at..at + 4)?;
                                u32::from_str_radix(h, 16).ok()
                            };
                            let u = hex(q)?;
                            q += 4;
                            let ch = if (0xD800..0xDC00).contains(&u)
                                && b.get(q) == Some(&b'\\')
                                && b.get(q + 1) == Some(&b'u')
                            {
                                match hex(q + 2) {
                                    Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                        q += 6;
                                        char::from_u32(
                                            0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00),
                                        )
                                    }
                                    _ => None,
                                }
                            } else {
                                char::from_u32(u)
                            };
                            out.push(ch.unwrap_or('\u{FFFD}'));
                        }
                        _ => return None,
                    }
                }
                _ => {
                    let run = memchr::memchr2(b'"', b'\\', &b[q..]).unwrap_or(b.len() - q);
                    out.push_str(body.get(q..q + run)?);
                    q += run;
                }
            }
        }
    }
}

/// Walks `body`; `root` prefixes every path (`json`). `next_group` hands out group numbers.
pub fn walk<F>(body: &str, root: &str, next_group: &mut u32, f: &mut F) -> bool
where
    F: FnMut(&Leaf<'_, '_>),
{
    let b = body.as_bytes();
    let n = b.len();
    let mut path = String::with_capacity(64);
    path.push_str(root);
    let mut stack: Vec<Frame<'_>> = Vec::with_capacity(16);
    let mut pending: Cow<'_, str> = Cow::Borrowed("");
    let mut expect_key = false;
    let root_group = {
        *next_group += 1;
        *next_group
    };
    let mut i = ws(b, 0);
    let mut seen_value = false;
    while i < n {
        let c = b[i];
        match c {
            b'{' | b'[' => {
                if expect_key || stack.len() >= MAX_DEPTH {
                    return false;
                }
                let (key, group) = match stack.last() {
                    Some(fr) if !fr.is_obj => (fr.key.clone(), fr.group),
                    Some(fr) => (std::mem::take(&mut pending), fr.group),
                    None => (Cow::Borrowed(""), root_group),
                };
                if stack.is_empty() && seen_value {
                    return false;
                }
                seen_value = true;
                if c == b'{' {
                    *next_group += 1;
                    stack.push(Frame {
                        is_obj: true,
                        path_len: path.len(),
                        group: *next_group,
                        key,
                    });
                    expect_key = true;
                } else {
                    stack.push(Frame {
                        is_obj: false,
                        path_len: path.len(),
                        group,
                        key,
                    });
                    path.push_str("[]");
                }
                i += 1;
            }
            b'}' | b']' => {
                let Some(fr) = stack.pop() else {
                    return false;
                };
                if fr.is_obj != (c == b'}') {
                    return false;
                }
                path.truncate(fr.path_len);
                expect_key = false;
                i += 1;
            }
            b',' => {
                let Some(fr) = stack.last() else {
                    return false;
                };
                expect_key = fr.is_obj;
                i += 1;
            }
            b':' => {
                i += 1;
            }
            b'"' => {
                let Some((s, next)) = string(body, i) else {
                    return false;
                };
                i = next;
                if expect_key {
                    let Some(fr) = stack.last() else {
                        return false;
                    };
                    path.truncate(fr.path_len);
                    path.push('.');
                    path.push_str(&s);
                    pending = s;
                    expect_key = false;
                    i = ws(b, i);
                    if b.get(i) != Some(&b':') {
                        return false;
                    }
                    continue;
                }
                if stack.is_empty() && seen_value {
                    return false;
                }
                seen_value = true;
                emit(&stack, &path, &pending, root_group, &s, true, f);
            }
            b'-' | b'0'..=b'9' => {
                let s = i;
                while i < n && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                if expect_key {
                    return false;
                }
                seen_value = true;
                emit(&stack, &path, &pending, root_group, &body[s..i], false, f);
            }
            b't' | b'f' | b'n' => {
                while i < n && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                seen_value = true;
            }
            _ => return false,
        }
        i = ws(b, i);
    }
    stack.is_empty() && seen_value
}

fn emit<F>(
    stack: &[Frame<'_>],
    path: &str,
    pending: &str,
    root_group: u32,
    value: &str,
    is_string: bool,
    f: &mut F,
) where
    F: FnMut(&Leaf<'_, '_>),
{
    let (key, parent, group) = match stack.last() {
        Some(fr) if fr.is_obj => (pending, fr.key.as_ref(), fr.group),
        Some(fr) => {
            // array element: the array's key; the parent is the enclosing object's key
            let parent = stack
                .iter()
                .rev()
                .skip(1)
                .find(|x| x.is_obj)
                .map_or("", |x| x.key.as_ref());
            (fr.key.as_ref(), parent, fr.group)
        }
        None => ("", "", root_group),
    };
    f(&Leaf {
        path,
        key,
        parent,
        group,
        value,
        is_string,
        _body: std::marker::PhantomData,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row = (String, String, String, u32, String);

    fn leaves(body: &str) -> Option<Vec<Row>> {
        let mut out = Vec::new();
        let mut g = 0;
        let ok = walk(body, "json", &mut g, &mut |l: &Leaf| {
            out.push((
                l.path.to_string(),
                l.key.to_string(),
                l.parent.to_string(),
                l.group,
                l.value.to_string(),
            ))
        });
        ok.then_some(out)
    }

    #[test]
    fn paths_keys_groups() {
        let v = leaves(r#"{"code":0,"data":{"list":[{"name":"张三","mobile":"13800138000"},{"name":"李\u56db","tags":["a","b"]}]},"ok":true,"x":null}"#).unwrap();
        assert_eq!(
            v[0],
            ("json.code".into(), "code".into(), "".into(), 2, "0".into())
        );
        assert_eq!(v[1].0, "json.data.list[].name");
        assert_eq!(v[1].2, "list");
        assert_eq!(v[1].3, v[2].3);
        assert_eq!(v[3].4, "李四");
        assert_ne!(v[3].3, v[1].3);
        assert_eq!(v[4].0, "json.data.list[].tags[]");
        assert_eq!(v[4].1, "tags");
        assert_eq!(v[4].3, v[3].3);
        assert_eq!(v.len(), 6);
    }

    #[test]
    fn escapes_and_errors() {
        let v = leaves(r#"["a\"b\\c\n", "\ud83d\ude00", 1.5e3]"#).unwrap();
        assert_eq!(v[0].4, "a\"b\\c\n");
        assert_eq!(v[1].4, "😀");
        assert_eq!(v[2].4, "1.5e3");
        assert_eq!(v[0].0, "json[]");
        for bad in [
            r#"{"a":1"#,
            r#"{"a" 1}"#,
            r#"{"a":[1}"#,
            r#"{1:2}"#,
            "[1]]",
            "{}{}",
            r#"["\x"]"#,
            "\"abc",
            "[\"\\u12\"]",
        ] {
            assert!(leaves(bad).is_none(), "{bad}");
        }
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert!(leaves(&deep).is_none());
    }
}
