//! Exception leaks: application stack traces (Java, Python, Go, .NET, PHP, Node.js, Ruby) and
//! database errors (MySQL, PostgreSQL, Oracle, SQL Server, SQLite, generic JDBC/ORM) in
//! responses. Signatures come from the default error output of each runtime and driver.

use super::{compile, Rules};
use crate::exchange::response_words;
use crate::risk::cx::Cx;
use crate::risk::{Detector, RiskSignals};
use std::sync::OnceLock;

/// Words of the prefilter: a response without any of them (ASCII case ignored) cannot match
/// either rule set.
pub(crate) const EXCEPTION_WORDS: &[&str] = &[
    "exception",
    "traceback",
    "goroutine",
    "panic",
    "error",
    "warning",
    "ora-",
    "sqlstate",
    "sqlite",
    "stack",
    ".java:",
    ".js:",
    ".rb:",
    ".php",
    ".go:",
    ":line ",
    "syntax",
    "sql",
    "psql",
    "fatal",
    "constraint",
    "duplicate entry",
    "conversion failed",
];

fn app_rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| {
        compile(&[
            ("Java stack trace", r"(?:^|[\s(]|\\[tn])at [\w$.]+(?:\.<?[\w$]+>?)\((?:[\w$]+\.java:\d+|Native Method|Unknown Source)\)"),
            ("Java exception", r"\b(?:java|javax|jakarta|org\.springframework|org\.hibernate|org\.apache|com\.fasterxml)\.[\w.$]*(?:Exception|Error)\b(?::|\s|\\n|\x22|$)"),
            ("Python traceback", r#"Traceback \(most recent call last\)|File "[^"\n]+\.py", line \d+, in "#),
            ("Go panic", r"goroutine \d+ \[[a-z ]+\]:|panic: .+\n\s*goroutine|runtime error: (?:invalid memory address|index out of range)"),
            (".NET stack trace", r"\bat [\w.<>`]+\([^)\n]*\) in [^\n]+:line \d+|\bSystem\.(?:NullReference|InvalidOperation|Argument(?:Null)?|IndexOutOfRange|Format|IO\.\w+)Exception\b|Server Error in '[^']*' Application"),
            ("PHP error", r"(?:PHP )?(?:Fatal error|Parse error|Warning|Notice)(?:</b>)?:\s+.{0,300}? in (?:<b>)?[^\s<]+\.php(?:</b>)? on line|Stack trace:\s*(?:\\n|\n)#0 |Uncaught (?:[A-Z]\w*\\)*[A-Z]\w*(?:Exception|Error)\b"),
            // Express's development error page (the `finalhandler` package) renders the stack
            // as HTML: `<br> &nbsp; &nbsp;at`.
            ("Node.js stack trace", r"(?:\n|<br>)(?:\s|&nbsp;)+at (?:[\w.<>$\[\] ]+ \()?(?:/|[A-Za-z]:\\|node:|file://)[^\s)]+\.(?:js|mjs|cjs|ts):\d+:\d+\)?|(?:TypeError|ReferenceError|SyntaxError|RangeError): [^\n]{1,200}\n\s+at |\\n\s+at [^\\]+\.js:\d+:\d+"),
            ("Ruby backtrace", r"\.rb:\d+:in `[^']+'"),
            // Django's technical 500 page (`django/views/templates/technical_500.html`) writes
            // "You’re" with a typographic apostrophe since 3.0 (escaped in older templates) and
            // has an `exception_value` block; Werkzeug's debugger; Laravel's Whoops; Spring
            // Boot's whitelabel page with a trace.
            ("framework debug page", r#"You(?:'|’|&#x27;|&#39;)re seeing this error because you have <code>DEBUG = True</code>|<pre class="exception_value">|Whoops, looks like something went wrong|<title>Werkzeug Debugger</title>|Whitelabel Error Page[\s\S]{0,400}Exception"#),
            // Laravel's JSON error body in debug mode (`Handler::convertExceptionToArray`:
            // `exception`, `file`, `line`, `trace`) and Laravel/Symfony exception classes.
            ("PHP framework exception", r#""exception"\s*:\s*"[^"]*"\s*,\s*"file"\s*:\s*"[^"]+\.php"|"trace"\s*:\s*\[\s*\{\s*"file"\s*:\s*"[^"]+\.php"|\b(?:Illuminate|Symfony)(?:\\{1,2}\w+)+(?:Exception|Error)\b"#),
        ])
    })
}

fn db_rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| {
        compile(&[
            // MySQL server error texts (ER_PARSE_ERROR 1064, ER_BAD_FIELD_ERROR 1054,
            // ER_NO_SUCH_TABLE 1146, ER_DUP_ENTRY 1062), Connector/J and PHP's PDO SQLSTATE.
            ("MySQL error", r"(?i)You have an error in your SQL syntax|check the manual that corresponds to your (?:MySQL|MariaDB) server version|com\.mysql\.(?:cj\.)?jdbc|MySQLSyntaxErrorException|Unknown column '[^']+' in '[^']+'|Table '[^']+' doesn't exist|Duplicate entry '[^']{0,100}' for key '[^']+'|mysqli?_(?:fetch|query|num_rows)|SQLSTATE\[\w+\]"),
            // PostgreSQL messages (42601 syntax_error, 42P01 undefined_table, 23505
            // unique_violation), pgJDBC, PHP pg_*, Ruby pg and psycopg2 class names.
            ("PostgreSQL error", r#"(?i)org\.postgresql\.util\.PSQLException|PSQLException|ERROR:\s+syntax error at or near|unterminated quoted string at or near|relation "[^"]+" does not exist|duplicate key value violates unique constraint "|pg_query\(\)|PG::\w+Error|psycopg2\.(?:errors\.)?\w+"#),
            ("Oracle error", r"\bORA-\d{5}\b|oracle\.jdbc|quoted string not properly terminated|SQL command not properly ended"),
            // SQL Server messages 105 (unclosed quotation), 102 (incorrect syntax), 245
            // (conversion failed), 2627 and 2601 (duplicate keys), and its client libraries.
            ("SQL Server error", r"(?i)Unclosed quotation mark after the character string|Incorrect syntax near|Microsoft OLE DB Provider for SQL Server|\[Microsoft\]\[ODBC SQL Server Driver\]|System\.Data\.SqlClient\.SqlException|Microsoft\.Data\.SqlClient|Msg \d+, Level \d+, State \d+|Conversion failed when converting (?:the )?[\w ]{1,40} value|Violation of (?:PRIMARY KEY|UNIQUE KEY) constraint '|Cannot insert duplicate key row in object '"),
            // node-sqlite3 prefixes the result code (`SQLITE_CONSTRAINT: ...`); SQLite's own
            // constraint message names `table.column`.
            ("SQLite error", r#"(?i)SQLITE_(?:ERROR|CONSTRAINT|MISMATCH|READONLY|BUSY|LOCKED|CORRUPT)\b|sqlite3\.(?:Operational|Integrity|Programming)Error|SQLiteException|no such (?:table|column): \w+|near "[^"]{1,40}": syntax error|(?:UNIQUE|NOT NULL|FOREIGN KEY|CHECK) constraint failed: \w+\.\w+"#),
            ("SQL error", r"(?i)SQLSyntaxErrorException|BadSqlGrammarException|org\.hibernate\.exception\.\w+|JDBCException|java\.sql\.SQLException|SqlException: |Invalid column name '[^']+'"),
        ])
    })
}

/// Whether the response of `cx` holds a word some signature needs (once per exchange).
fn has_exception_words(cx: &Cx) -> bool {
    cx.response_body().len() >= 12 && cx.response_words().has(response_words::EXCEPTION)
}

/// The first application stack trace or exception page in the response of `cx`, with its
/// offset (once per exchange: the server-information detector asks too).
pub fn app_exception(cx: &Cx) -> Option<(usize, &'static str)> {
    cx.app_exception(|| {
        if !has_exception_words(cx) {
            return None;
        }
        first_match(app_rules(), cx.response_body())
    })
}

fn first_match(rules: &Rules, body: &str) -> Option<(usize, &'static str)> {
    let i = rules.set.matches(body).iter().next()?;
    let at = rules.regex(i).find(body).map_or(0, |m| m.start());
    Some((at, rules.names[i]))
}

fn report(cx: &Cx, out: &mut RiskSignals, key: &'static str, found: Option<(usize, &str)>) {
    if let Some((at, name)) = found {
        out.hit(key, || cx.response_evidence(at, name));
    }
}

/// `app_exception_leak`: a stack trace, uncaught exception or framework debug page in the
/// response.
pub struct AppExceptionLeak;

impl Detector for AppExceptionLeak {
    describe!(
        "app_exception_leak",
        "The response contains raw application error details such as stack traces, exception class names, source file paths or a framework debug page. They reveal frameworks, versions, code structure and sometimes configuration to anyone who triggers an error.",
        "Catch exceptions in a global handler that returns a generic message with a correlation ID, log the details on the server only, and turn off debug modes in production."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        report(cx, out, self.key(), app_exception(cx));
    }
}

/// `db_exception_leak`: a database or driver error message in the response.
pub struct DbExceptionLeak;

impl Detector for DbExceptionLeak {
    describe!(
        "db_exception_leak",
        "The response contains database error messages (SQL syntax errors, driver exceptions, table or column names). They reveal the database product, the query structure and schema, and are the main aid for SQL injection.",
        "Handle database errors on the server and return a generic error to the client; log the SQL error internally, use parameterised queries, and review the API for injection flaws."
    );

    fn inspect(&self, cx: &Cx, out: &mut RiskSignals) {
        let found = if has_exception_words(cx) {
            first_match(db_rules(), cx.response_body())
        } else {
            None
        };
        report(cx, out, self.key(), found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_signatures() {
        let r = app_rules();
        let positives = [
            "java.lang.NullPointerException: null\n\tat com.shop.order.OrderService.load(OrderService.java:88)",
            "Traceback (most recent call last):\n  File \"/app/views.py\", line 42, in get\n",
            "panic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine 1 [running]:",
            "System.NullReferenceException: Object reference not set\n   at Shop.Api.Controllers.OrderController.Get(Int32 id) in C:\\src\\OrderController.cs:line 27",
            "<b>Fatal error</b>:  Uncaught Error: Call to undefined function foo() in /var/www/html/index.php:12\nStack trace:\n#0 {main}",
            "TypeError: Cannot read properties of undefined (reading 'id')\n    at getUser (/srv/app/routes/user.js:14:22)",
            "app/models/user.rb:10:in `find_user'",
            r#"{"status":500,"error":"Internal Server Error","trace":"com.shop.errors.BizException: boom\n\tat com.shop.web.OrderController.get(OrderController.java:42)\n"}"#,
            "<p>You’re seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</p>",
            "<pre>TypeError: x is undefined<br> &nbsp; &nbsp;at list (/usr/src/app/routes/orders.js:18:24)</pre>",
            r#"{"message":"Server Error","exception":"ErrorException","file":"/var/www/app/Http/Kernel.php","line":3}"#,
            r#"{"class":"Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException"}"#,
        ];
        for p in positives {
            assert!(first_match(r, p).is_some(), "{p}");
        }
        for n in [
            r#"{"code":500,"msg":"Internal error, please retry later"}"#,
            r#"{"error":"not_found","message":"Order 42 does not exist"}"#,
            "<p>Our exception handling team will contact you.</p>",
            r#"{"items":[{"title":"Java Exceptions explained","tags":["java","error handling"]}]}"#,
            r#"{"timestamp":"2026-03-02T09:00:00.000+00:00","status":500,"error":"Internal Server Error","path":"/api/orders"}"#,
            r#"{"exception":"none","file":"report.pdf"}"#,
        ] {
            assert!(first_match(r, n).is_none(), "{n}");
        }
    }

    #[test]
    fn db_signatures() {
        let r = db_rules();
        for p in [
            "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''1'' at line 1",
            "org.postgresql.util.PSQLException: ERROR: relation \"userz\" does not exist",
            "ORA-00933: SQL command not properly ended",
            "Unclosed quotation mark after the character string ''.",
            "sqlite3.OperationalError: no such table: accounts",
            "SQLITE_CONSTRAINT: UNIQUE constraint failed: users.email",
            "Duplicate entry 'amy@example.org' for key 'users.email_unique'",
            "ERROR: duplicate key value violates unique constraint \"users_email_key\"",
            "Conversion failed when converting the nvarchar value 'abc' to data type int.",
        ] {
            assert!(first_match(r, p).is_some(), "{p}");
        }
        for n in [
            r#"{"code":0,"data":{"sql_enabled":false}}"#,
            r#"{"msg":"Database busy, try again"}"#,
            "<p>We use PostgreSQL and MySQL for storage</p>",
            r#"{"error":"Duplicate order: an order with this number already exists"}"#,
            r#"{"error":"unique constraint on the coupon code: each code can be used once"}"#,
        ] {
            assert!(first_match(r, n).is_none(), "{n}");
        }
    }
}
