/// The SQL vocabulary the tokenizer recognises, across MySQL, PostgreSQL, SQL Server, Oracle and
/// SQLite. Words are looked up by `WordHash` (no allocation); a word not in the table is a plain
/// identifier.
enum SQLWord: UInt8, Sendable {
    case none
    // Logic and literals
    case and, or, xor, not, null, `true`, `false`
    // Comparison and arithmetic words
    case like, rlike, regexp, `is`, `in`, between, sounds, glob, ilike, similar, div, mod, collate, escape
    // Query structure
    case union, select, from, `where`, order, group, by, having, limit, offset, into, outfile, dumpfile
    case procedure, values, all, distinct, top, `as`, `case`, when, then, `else`, end, exists, join, on
    case asc, desc, `for`, fetch, first, rows, only
    /// Words skipped wherever they appear (`left join`, `inner`, `straight_join`, `binary`, `high_priority`).
    case modifier
    // Statements
    case insert, update, delete, drop, create, alter, truncate, exec, execute, declare, waitfor, delay
    case shutdown, set, grant, revoke, use, call, load, rename, replace, backup, dbcc, begin, kill, show
    case table, database, schema, view, user, index, trigger, function, data, login, `if`
    /// A function worth noting when called (see `SQLFunctionClass`).
    case function_
}

extension SQLWord {
    /// Words that start a statement (`select`, `drop`, `exec`, `waitfor`…).
    var isStatementVerb: Bool {
        switch self {
        case .select, .insert, .update, .delete, .drop, .create, .alter, .truncate, .exec, .execute, .declare,
            .waitfor, .shutdown, .grant, .revoke, .replace, .rename, .call, .backup, .set, .load, .show, .use, .begin,
            .dbcc, .kill:
            true
        default: false
        }
    }

    /// Comparisons that `not` may precede (`not like`, `not in`…).
    var isNegatableComparison: Bool {
        switch self {
        case .like, .rlike, .regexp, .in, .between, .ilike, .similar: true
        default: false
        }
    }

    /// Objects of `drop`/`create`/`alter` (`table`, `database`, `user`…).
    var isSchemaObject: Bool {
        switch self {
        case .table, .database, .schema, .view, .user, .index, .trigger, .function, .procedure, .login: true
        default: false
        }
    }
}

/// What calling a known function says about the payload.
enum SQLFunctionClass: UInt8, Sendable {
    case none
    /// Ordinary SQL functions: `concat`, `substring`, `ascii`, `count`… (blind extraction)
    case common
    /// Delays: `sleep`, `benchmark`, `pg_sleep`, `dbms_lock.sleep`, `randomblob`.
    case time
    /// Functions used to leak data through errors: `extractvalue`, `updatexml`, `convert`…
    case error
    /// Environment disclosure: `version`, `database`, `user`, `current_user`, `db_name`…
    case info
    /// File, network and OS access: `load_file`, `xp_cmdshell`, `utl_http.request`, `pg_read_file`…
    case system
}

enum SQLVocabulary {
    struct Entry: Sendable {
        var word: SQLWord
        var function: SQLFunctionClass
        var systemObject: Bool
    }

    static func lookup(_ hash: UInt64) -> Entry? { table[hash] }

    static let table = WordTable(entries)

    static let entries: [UInt64: Entry] = {
        var table: [UInt64: Entry] = [:]
        func add(_ name: String, _ word: SQLWord) {
            table[WordHash.of(name)] = Entry(word: word, function: .none, systemObject: false)
        }
        func fn(_ names: [String], _ kind: SQLFunctionClass) {
            for name in names {
                let hash = WordHash.of(name)
                if var entry = table[hash] {
                    entry.function = kind
                    table[hash] = entry
                } else {
                    table[hash] = Entry(word: .function_, function: kind, systemObject: false)
                }
            }
        }
        func sys(_ names: [String]) {
            for name in names {
                let hash = WordHash.of(name)
                if var entry = table[hash] {
                    entry.systemObject = true
                    table[hash] = entry
                } else {
                    table[hash] = Entry(word: .none, function: .none, systemObject: true)
                }
            }
        }
        let words: [(String, SQLWord)] = [
            ("and", .and), ("or", .or), ("xor", .xor), ("not", .not), ("null", .null), ("true", .true),
            ("false", .false), ("like", .like), ("rlike", .rlike), ("regexp", .regexp), ("is", .is), ("in", .in),
            ("between", .between), ("sounds", .sounds), ("glob", .glob), ("ilike", .ilike), ("similar", .similar),
            ("div", .div), ("mod", .mod), ("collate", .collate), ("escape", .escape), ("union", .union),
            ("select", .select), ("from", .from), ("where", .where), ("order", .order), ("group", .group),
            ("by", .by), ("having", .having), ("limit", .limit), ("offset", .offset), ("into", .into),
            ("outfile", .outfile), ("dumpfile", .dumpfile), ("procedure", .procedure), ("values", .values),
            ("all", .all), ("distinct", .distinct), ("distinctrow", .distinct), ("top", .top), ("as", .as),
            ("case", .case), ("when", .when), ("then", .then), ("else", .else), ("end", .end),
            ("exists", .exists), ("join", .join), ("on", .on), ("asc", .asc), ("desc", .desc), ("for", .for),
            ("fetch", .fetch), ("first", .first), ("rows", .rows), ("only", .only),
            ("insert", .insert), ("update", .update), ("delete", .delete), ("drop", .drop), ("create", .create),
            ("alter", .alter), ("truncate", .truncate), ("exec", .exec), ("execute", .execute),
            ("declare", .declare), ("waitfor", .waitfor), ("delay", .delay), ("shutdown", .shutdown),
            ("set", .set), ("grant", .grant), ("revoke", .revoke), ("use", .use), ("call", .call),
            ("load", .load), ("rename", .rename), ("replace", .replace), ("backup", .backup), ("dbcc", .dbcc),
            ("begin", .begin), ("kill", .kill), ("show", .show), ("table", .table), ("tables", .table),
            ("database", .database), ("databases", .database), ("schema", .schema), ("view", .view),
            ("user", .user), ("index", .index), ("trigger", .trigger), ("function", .function),
            ("data", .data), ("login", .login), ("if", .if),
        ]
        for (name, word) in words { add(name, word) }
        for name in [
            "left", "right", "inner", "outer", "cross", "natural", "straight_join", "binary", "high_priority",
            "low_priority", "sql_calc_found_rows", "sql_no_cache", "sql_cache", "unsigned", "signed", "local",
            "global", "session", "temporary", "ignore", "delayed", "quick", "lateral",
        ] {
            add(name, .modifier)
        }
        fn(
            [
                "sleep", "benchmark", "pg_sleep", "pg_sleep_for", "pg_sleep_until", "dbms_lock.sleep",
                "sys.dbms_lock.sleep", "dbms_session.sleep", "randomblob", "dbms_pipe.receive_message",
                "sys.dbms_pipe.receive_message", "get_lock",
            ], .time)
        fn(
            [
                "extractvalue", "updatexml", "convert", "cast", "exp", "name_const", "geometrycollection",
                "multipoint", "polygon", "multipolygon", "linestring", "multilinestring", "xmltype",
                "ctxsys.drithsx.sn", "utl_inaddr.get_host_name", "utl_inaddr.get_host_address",
                "dbms_xmlgen.getxml", "st_latfromgeohash", "st_longfromgeohash", "gtid_subset", "json_keys",
                "dbms_utility.sqlid_to_sqlhash", "xmlserialize", "to_number", "jsonb_object_keys",
            ], .error)
        fn(
            [
                "version", "database", "schema", "user", "current_user", "system_user", "session_user",
                "db_name", "host_name", "suser_name", "suser_sname", "user_name", "is_srvrolemember",
                "is_member", "connection_id", "last_insert_id", "current_database", "current_schema",
                "inet_server_addr", "sqlite_version", "@@version", "banner", "uuid", "row_count",
                "has_dbaccess", "serverproperty", "object_name", "object_id", "col_name", "schema_name",
                "table_name", "current_setting",
            ], .info)
        fn(
            [
                "load_file", "xp_cmdshell", "master..xp_cmdshell", "master.dbo.xp_cmdshell", "sp_oacreate",
                "sp_oamethod", "sp_executesql", "sp_makewebtask", "sp_addextendedproc", "sp_configure",
                "xp_regread", "xp_dirtree", "master..xp_dirtree", "xp_fileexist", "xp_servicecontrol",
                "pg_read_file", "pg_ls_dir", "pg_read_binary_file", "lo_import", "lo_export", "lo_get",
                "utl_http.request", "httpuritype", "dbms_ldap.init", "dbms_java.runjava", "sys_eval",
                "sys_exec", "openrowset", "opendatasource", "openquery", "load_extension", "readfile",
                "writefile", "edit", "dblink", "dblink_connect", "copy", "query_to_xml", "xp_ntsec_enumdomains",
            ], .system)
        fn(
            [
                "concat", "concat_ws", "group_concat", "string_agg", "listagg", "char", "chr", "nchar",
                "ascii", "ord", "unicode", "substring", "substr", "mid", "left", "right", "hex", "unhex",
                "length", "len", "char_length", "lower", "upper", "lcase", "ucase", "reverse", "trim",
                "count", "sum", "min", "max", "avg", "rand", "random", "floor", "ceil", "round", "abs", "md5",
                "sha1", "sha2", "if", "iif", "ifnull", "isnull", "nullif", "coalesce", "nvl", "decode",
                "instr", "locate", "position", "strcmp", "make_set", "elt", "field", "row", "bin", "conv",
                "oct", "to_char", "rawtohex", "utl_raw.cast_to_varchar2", "soundex", "space", "repeat",
                "lpad", "rpad", "now", "sysdate", "getdate", "current_timestamp", "datalength", "quotename",
                "typeof", "quote", "json_extract", "regexp_substr", "regexp_like", "greatest", "least",
                "cot", "pi", "crc32", "compress", "uncompress", "aes_encrypt", "aes_decrypt", "unistr",
                "exists", "any", "some",
            ], .common)
        sys([
            "information_schema", "information_schema.tables", "information_schema.columns",
            "information_schema.schemata", "information_schema.routines", "information_schema.processlist",
            "mysql.user", "mysql.db", "performance_schema", "sys.objects", "sys.tables", "sys.columns",
            "sys.databases", "sys.sysobjects", "sys.syslogins", "sys.sql_logins", "sys.server_principals",
            "sysobjects", "syscolumns", "sysdatabases", "syslogins", "sysusers", "master..sysdatabases",
            "master.dbo.sysdatabases", "master..syslogins", "pg_catalog", "pg_tables", "pg_user", "pg_shadow",
            "pg_database", "pg_namespace", "pg_class", "pg_attribute", "pg_proc", "pg_roles", "pg_authid",
            "sqlite_master", "sqlite_schema", "sqlite_temp_master", "all_tables", "all_tab_columns",
            "all_users", "user_tables", "user_tab_columns", "dba_users", "dba_tables", "user_users",
            "v$version", "v$database", "v$instance", "sys.user$", "dual", "msysobjects", "msysaccessobjects",
            "sysibm.sysdummy1", "sysibm.systables", "syscat.tables", "rdb$database", "rdb$relations",
            "@@version", "@@datadir", "@@hostname", "@@basedir", "@@servername", "@@tmpdir", "@@plugin_dir",
            "@@secure_file_priv", "@@global.secure_file_priv", "@@spid", "@@language", "@@dbts",
        ])
        return table
    }()
}
