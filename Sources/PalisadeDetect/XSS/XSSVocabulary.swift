/// Names the XSS detector recognises: event handlers, dangerous tags, URL schemes and JS sinks.
enum XSSVocabulary {
    /// Event names (after `on`) that browsers fire. A name in this set or starting with one of
    /// `eventPrefixes` makes `on…=` an event handler outside a tag; inside a tag any `on…` counts.
    static let events: Set<UInt64> = hashes([
        "load", "error", "click", "dblclick", "auxclick", "contextmenu", "focus", "blur", "focusin", "focusout",
        "change", "input", "submit", "reset", "select", "selectstart", "selectionchange", "invalid", "search",
        "scroll", "scrollend", "resize", "toggle", "wheel", "copy", "cut", "paste", "drag", "drop", "abort",
        "show", "begin", "end", "repeat", "finish", "bounce", "start", "message", "popstate", "hashchange",
        "storage", "unload", "play", "playing", "pause", "progress", "ended", "emptied", "stalled", "suspend",
        "waiting", "seeked", "seeking", "volumechange", "ratechange", "durationchange", "timeupdate",
        "canplay", "canplaythrough", "loadstart", "loadend", "loadeddata", "loadedmetadata", "activate",
        "deactivate", "readystatechange", "filterchange", "propertychange", "formchange", "forminput",
        "afterprint", "afterscriptexecute", "beforescriptexecute", "beforeprint", "beforeunload",
        "beforeinput", "beforecopy", "beforecut", "beforepaste", "beforetoggle", "beforeactivate",
        "beforedeactivate", "beforeeditfocus", "cuechange", "online", "offline", "pageshow", "pagehide",
        "open", "close", "cancel", "help", "mousewheel", "mozfullscreenchange", "webkitanimationend",
        "webkittransitionend", "securitypolicyviolation", "slotchange", "fullscreenchange", "layoutcomplete",
        "move", "moveend", "movestart", "losecapture", "controlselect", "datasetchanged", "dataavailable",
        "rowenter", "rowexit", "rowsdelete", "rowinserted", "errorupdate", "command",
        "contentvisibilityautostatechange",
        "scrollsnapchange", "gotpointercapture", "lostpointercapture", "animationcancel",
    ])
    static let eventPrefixes: [StaticString] = [
        "mouse", "key", "pointer", "touch", "drag", "animation", "transition", "focus", "before", "after",
        "page", "load", "webkit", "moz", "ms",
    ]

    /// Tags whose mere presence means script or active content.
    enum Tag: UInt8 {
        case other, script, iframe, frame, object, embed, applet, base, meta, link, style, svg, math, form,
            button, input, isindex, img, image, video, audio, source, a, body, details, marquee, frameset,
            xml, import_, portal, template, animate, set, handler, use, textarea, title, noscript, xmp,
            plaintext, noembed, noframes
    }

    static let tags = WordTable<Tag>(
        {
            var map: [UInt64: Tag] = [:]
            let names: [(String, Tag)] = [
                ("script", .script), ("iframe", .iframe), ("frame", .frame), ("object", .object), ("embed", .embed),
                ("applet", .applet), ("base", .base), ("meta", .meta), ("link", .link), ("style", .style),
                ("svg", .svg), ("math", .math), ("form", .form), ("button", .button), ("input", .input),
                ("isindex", .isindex), ("img", .img), ("image", .image), ("video", .video), ("audio", .audio),
                ("source", .source), ("a", .a), ("body", .body), ("details", .details), ("marquee", .marquee),
                ("frameset", .frameset), ("xml", .xml), ("import", .import_), ("portal", .portal),
                ("template", .template), ("animate", .animate), ("set", .set), ("handler", .handler),
                ("use", .use), ("textarea", .textarea), ("title", .title), ("noscript", .noscript), ("xmp", .xmp),
                ("plaintext", .plaintext), ("noembed", .noembed), ("noframes", .noframes),
            ]
            for (name, tag) in names { map[WordHash.of(name)] = tag }
            return map
        }())

    /// JavaScript functions and constructors whose call runs or exfiltrates attacker code.
    static let sinkCalls: Set<UInt64> = hashes([
        "alert", "prompt", "confirm", "eval", "settimeout", "setinterval", "function", "fetch", "import",
        "atob", "fromcharcode", "execscript", "constructor", "msgbox", "xmlhttprequest", "sendbeacon",
        "importscripts", "insertadjacenthtml", "createcontextualfragment", "expression", "globaleval",
        "sethtmlunsafe", "parsehtmlunsafe",
    ])

    /// Property paths whose mere mention in an injected expression is a tell.
    static let sinkNames: [StaticString] = [
        "document.cookie", "document.domain", "document.write", "document.location", "window.location",
        "location.href", "location.hash", "location.search", "localstorage", "sessionstorage", "innerhtml",
        "outerhtml", "window.name", "top.location", "self.location", "parent.location", "document.body",
        "fromcharcode", "constructor.constructor",
    ]

    static func hashes(_ names: [String]) -> Set<UInt64> { Set(names.map { WordHash.of($0) }) }

    /// Whether `name` (bytes after `on`) is a known event.
    static func isEvent(_ name: ArraySlice<UInt8>) -> Bool {
        guard !name.isEmpty, name.count <= 40 else { return false }
        if events.contains(WordHash.of(name)) { return true }
        for prefix in eventPrefixes where Bytes.hasPrefixIgnoringCase(name, prefix) { return true }
        return false
    }
}
