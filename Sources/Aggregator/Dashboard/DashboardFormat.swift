/// Times (UTC) and durations as the pages show them.
enum DashboardFormat {
    /// `2026-11-21 12:34:56Z` from ms since the epoch.
    static func time(_ ms: Int64) -> String {
        let (date, seconds) = civil(ms)
        return "\(date) \(two(seconds / 3_600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))Z"
    }

    /// `12:34` (UTC).
    static func clock(_ ms: Int64) -> String {
        let seconds = civil(ms).seconds
        return "\(two(seconds / 3_600)):\(two(seconds / 60 % 60))"
    }

    /// `42 s`, `5 min`, `3 h`, `2 d` (rounded down).
    static func duration(_ ms: Int64) -> String {
        let s = max(0, ms / 1_000)
        if s < 120 { return "\(s) s" }
        if s < 7_200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3_600) h" }
        return "\(s / 86_400) d"
    }

    static func ago(_ ms: Int64, now: Int64) -> String {
        ms > now ? "in \(duration(ms - now))" : "\(duration(now - ms)) ago"
    }

    private static func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : String(n) }

    /// `YYYY-MM-DD` and the seconds into that day (proleptic Gregorian, days-from-civil inverse).
    private static func civil(_ ms: Int64) -> (date: String, seconds: Int64) {
        let totalSeconds = ms >= 0 ? ms / 1_000 : (ms - 999) / 1_000
        var days = totalSeconds >= 0 ? totalSeconds / 86_400 : (totalSeconds - 86_399) / 86_400
        let seconds = totalSeconds - days * 86_400
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return ("\(year)-\(two(month))-\(two(day))", seconds)
    }
}
