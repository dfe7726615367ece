//! Date and date-time text: the forms records and writes carry (`YYYY-MM-DD`, RFC 3339 UTC,
//! REST `YYYY-MM-DD HH:mm:ss`) and calendar arithmetic on them. Pure.

/// `YYYY-MM-DD` from a date or the date part of a timestamp.
pub fn normalize_date(s: &str) -> Option<String> {
    let d = s.get(..10)?;
    let b = d.as_bytes();
    let dg = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let ok = b.len() == 10 && dg(0..4) && b[4] == b'-' && dg(5..7) && b[7] == b'-' && dg(8..10);
    let rest_ok = s.len() == 10 || matches!(s.as_bytes().get(10), Some(b'T' | b' '));
    (ok && rest_ok).then(|| d.to_string())
}

/// RFC 3339 UTC from an ISO `…Z` instant or a REST `YYYY-MM-DD HH:mm:ss` (UTC) timestamp.
pub fn normalize_datetime(s: &str) -> Option<String> {
    let date = normalize_date(s)?;
    if s.len() == 10 {
        return Some(format!("{date}T00:00:00Z"));
    }
    let time = s.get(11..)?;
    let (hms, zone) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, "Z"),
    };
    let h = hms.as_bytes();
    let d = |r: std::ops::Range<usize>| h.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let hms_ok = h.len() >= 8 && d(0..2) && h[2] == b':' && d(3..5) && h[5] == b':' && d(6..8);
    if !hms_ok {
        return None;
    }
    let zone = if zone.eq_ignore_ascii_case("z") || zone == "+00:00" {
        "Z"
    } else {
        zone
    };
    Some(format!("{date}T{hms}{zone}"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since the epoch of a real calendar date `YYYY-MM-DD`; none otherwise.
pub fn calendar_days(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let max = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (y >= 1 && (1..=max).contains(&d)).then(|| days_from_civil(i64::from(y), m, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(normalize_date("2020-01-02").as_deref(), Some("2020-01-02"));
        assert_eq!(
            normalize_date("2020-01-02T10:00:00Z").as_deref(),
            Some("2020-01-02")
        );
        assert_eq!(normalize_date("2020-1-2"), None);
        assert_eq!(normalize_date("2020-01-02x"), None);
        assert_eq!(
            normalize_datetime("2019-07-11T09:38:42Z").as_deref(),
            Some("2019-07-11T09:38:42Z")
        );
        assert_eq!(
            normalize_datetime("2019-07-11 09:38:42").as_deref(),
            Some("2019-07-11T09:38:42Z")
        );
        assert_eq!(
            normalize_datetime("2019-07-11").as_deref(),
            Some("2019-07-11T00:00:00Z")
        );
        assert_eq!(normalize_datetime("2019-07-11Tnope"), None);
    }

    #[test]
    fn calendar_dates() {
        assert_eq!(calendar_days("1970-01-01"), Some(0));
        assert_eq!(calendar_days("2024-02-29"), Some(19_782));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-00-10",
            "26-01-01",
            "2026-1-01",
            "2026-01-01T00:00:00Z",
            "２０２６-01-01",
            "0000-01-01",
        ] {
            assert_eq!(calendar_days(bad), None, "{bad}");
        }
        assert_eq!(calendar_days("2000-02-29"), Some(11_016));
        assert_eq!(calendar_days("1900-02-29"), None);
    }
}
