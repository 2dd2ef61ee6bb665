extension Duration {
    /// Whole milliseconds, clamped to `Int32` (librdkafka's timeout type), never negative.
    var clampedMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        if ms.overflow || seconds < 0 { return seconds < 0 ? 0 : Int32.max }
        return Int32(clamping: max(0, ms.partialValue + attoseconds / 1_000_000_000_000_000))
    }
}
