/// The fingerprints `ScannerDetector` knows, in one place so they are easy to review and extend.
/// Written from the tools' documented defaults (their default User-Agent strings, the headers
/// they add, the out-of-band callback domains they use); never copied from a rule set.
enum ScannerVocabulary {
    /// Tool names as they appear in default User-Agent strings or scanner-added headers,
    /// matched ASCII-case-insensitively at a word start. Every one is an attack tool or an
    /// active vulnerability scanner: no common HTTP library is listed.
    static let tools: [StaticString] = [
        "sqlmap", "nikto", "nmap scripting engine", "nmap nse", "masscan", "zgrab", "nuclei", "wpscan",
        "dirbuster", "gobuster", "dirb/", "fuzz faster u fool", "ffuf", "feroxbuster", "acunetix", "netsparker",
        "invicti", "w3af", "arachni", "skipfish", "openvas", "nessus", "whatweb", "jaeles", "commix", "havij",
        "appscan", "wfuzz", "wapiti", "xsstrike", "tplmap", "nosqlmap", "jorgee", "zmeu", "morfeus", "sqlninja",
        "webinspect", "owasp zap", "zaproxy", "metasploit", "bsqlbf", "pangolin", "dotdotpwn", "vega/", "grabber",
        "webshag", "uniscan", "joomscan", "droopescan", "cmsmap", "brutus", "hydra/", "medusa/", "l9explore",
        "l9tcpid", "httpx - open-source", "interactsh", "log4j-scan", "struts-pwn", "paros/", "crowdstrike falcon scan",
    ]

    /// Internet-wide survey crawlers: not attacks, but not customers either (monitor-level).
    static let surveys: [StaticString] = [
        "censysinspect", "expanse, a palo alto", "internet-measurement", "shodan", "leakix", "netcraftsurvey",
        "onyphe", "binaryedge",
    ]

    /// Headers only scanners send (names, lowercase).
    static let headerNames: Set<String> = [
        "acunetix-product", "acunetix-scanning-agreement", "acunetix-user-agreement", "acunetix-aspect",
        "acunetix-aspect-password", "acunetix-aspect-queries", "x-wipp", "x-scan-memo", "x-request-memo",
        "x-scanner", "x-nuclei", "x-burp-collaborator",
    ]

    /// Out-of-band interaction (OAST) domains: a payload that makes the server call one of these
    /// is a scanner checking blind SSRF/XXE/RCE/Log4Shell.
    static let oastDomains: [StaticString] = [
        "burpcollaborator.net", "oastify.com", "interact.sh", "oast.pro", "oast.live", "oast.site", "oast.online",
        "oast.fun", "oast.me", "dnslog.cn", "ceye.io", "bxss.me", "xss.ht", "requestrepo.com", "canarytokens.com",
        "dnslog.link", "eyes.sh",
    ]

    /// Paths no API serves that scanners request to find exposed secrets or tooling
    /// (`sensitive`), and well-known applications they look for (`application`).
    static let sensitivePaths: [StaticString] = [
        "/.git/", "/.git", "/.svn/", "/.hg/", "/.bzr/", "/.env", "/.aws/", "/.ssh/", "/.htpasswd", "/.htaccess",
        "/.ds_store", "/.vscode/", "/.idea/", "/.bash_history", "/id_rsa", "/actuator/env", "/actuator/heapdump",
        "/actuator/gateway", "/actuator/jolokia", "/actuator/logfile", "/actuator/threaddump", "/actuator/mappings",
        "/wp-config.php", "/phpinfo.php", "/info.php", "/eval-stdin.php", "/server-status", "/server-info",
        "/.dockerenv", "/docker-compose.yml", "/.npmrc", "/.git-credentials", "/config/database.yml",
        "/web.config", "/elmah.axd", "/trace.axd", "/_ignition/execute-solution", "/telescope/requests",
        "/debug/pprof", "/jolokia", "/backup.sql", "/dump.sql", "/database.sql",
    ]
    static let applicationPaths: [StaticString] = [
        "/wp-admin", "/wp-login.php", "/xmlrpc.php", "/wp-content/plugins/", "/wp-includes/", "/phpmyadmin",
        "/pma/", "/myadmin/", "/adminer.php", "/cgi-bin/", "/manager/html", "/jmx-console", "/web-console",
        "/solr/admin", "/hnap1", "/boaform", "/owa/auth/", "/vendor/phpunit/", "/console/login",
        "/axis2/", "/invoker/", "/struts2-showcase", "/setup.cgi", "/shell.php", "/cmd.php", "/c99.php",
        "/r57.php", "/webdav/", "/sitemanager", "/cfide/", "/autodiscover/autodiscover.xml", "/global-protect/",
        "/dana-na/", "/+cscoe+/", "/nmaplowercheck", "/jenkins/script", "/druid/index.html", "/geoserver/web/", "/ecp/",
    ]
}
