//! English / Simplified Chinese. UI strings are written in English in the code and looked up
//! by that text (as gettext does), so a missing translation falls back to readable English.
//!
//! The language comes from the `apisec_lang` cookie, read by the server in `get_session` and
//! carried in [`crate::api::SessionInfo::lang`]; switching sets the cookie and reloads.
//! Use [`tr`] for fixed strings and [`catalog_name`] for names of catalog entries.

use leptos::prelude::*;

/// Name of the cookie that remembers the language.
pub const LANG_COOKIE: &str = "apisec_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        match s {
            "zh" | "zh-CN" | "zh-cn" => Lang::Zh,
            _ => Lang::En,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }
    /// The `lang` attribute of the HTML document.
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

/// The language of a `Cookie:` header value (English when absent).
pub fn lang_from_cookie_header(header: &str) -> Lang {
    header
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == LANG_COOKIE)
        .map(|(_, v)| Lang::parse(v.trim()))
        .unwrap_or_default()
}

/// The language of the page being rendered (from the session context; English before it).
pub fn current_lang() -> Lang {
    use_context::<crate::api::SessionInfo>()
        .map(|s| Lang::parse(&s.lang))
        .or_else(use_context::<Lang>)
        .unwrap_or_default()
}

/// The language of the page before the session is known (e.g. the login page): on the server
/// from the request's cookie, in the browser from `<html lang>`, which the server set.
pub fn page_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        request_lang()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .map(|l| Lang::parse(&l))
            .unwrap_or_default()
    }
}

/// Translates a fixed UI string written in English.
pub fn tr(en: &'static str) -> &'static str {
    translate(current_lang(), en)
}

/// Translates `en` into `lang`; English when no translation is known.
pub fn translate(lang: Lang, en: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh(en).unwrap_or(en),
    }
}

/// Name of a catalog entry (`kind`: "risk", "event", "purpose", "purpose_type", "sensitive")
/// in the current language; `en` is the catalog's English name.
pub fn catalog_name(kind: &str, key: &str, en: &str) -> String {
    match current_lang() {
        Lang::En => en.to_string(),
        Lang::Zh => zh_catalog(kind, key).unwrap_or(en).to_string(),
    }
}

/// Translates a string known only at run time (e.g. an error message); unchanged when the
/// dictionary has no entry.
pub fn tr_string(en: &str) -> String {
    match current_lang() {
        Lang::En => en.to_string(),
        Lang::Zh => zh(en).map(str::to_string).unwrap_or_else(|| en.to_string()),
    }
}

/// [`catalog_name`] for an explicit language (server functions that render text, e.g. charts,
/// and sort by translated names).
pub fn catalog_name_in(lang: Lang, kind: &str, key: &str, en: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Zh => zh_catalog(kind, key).unwrap_or(en).to_string(),
    }
}

/// The language of the request being served (server functions; English outside a request).
#[cfg(feature = "ssr")]
pub fn request_lang() -> Lang {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::COOKIE)
                .and_then(|v| v.to_str().ok())
                .map(lang_from_cookie_header)
        })
        .unwrap_or_default()
}

/// The `Set-Cookie` value that remembers `lang` for a year, for the whole site.
pub fn lang_cookie(lang: Lang) -> String {
    format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        lang.as_str()
    )
}

/// Switches the console language: sets the `apisec_lang` cookie and sends the browser back to
/// `next` (a plain form post, so the whole page is rendered again in the new language).
#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(
    lang: String,
    csrf: String,
    next: Option<String>,
) -> Result<(), crate::error::AppError> {
    use crate::api::ctx;
    use crate::error::AppError;
    ctx::respond(async {
        let session = ctx::session().await?;
        ctx::check_csrf(&session, &csrf).await?;
        let lang = match lang.as_str() {
            "en" => Lang::En,
            "zh" => Lang::Zh,
            other => {
                return Err(AppError::Invalid(format!(
                    "Unknown language {other:?}: use \"en\" or \"zh\"."
                )))
            }
        };
        let res = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
        let cookie =
            http::HeaderValue::from_str(&lang_cookie(lang)).map_err(|_| AppError::Internal)?;
        res.append_header(http::header::SET_COOKIE, cookie);
        leptos_axum::redirect(&crate::api::safe_next(next.as_deref()));
        Ok(())
    })
    .await
}

/// The Chinese dictionary of UI strings (every `tr("...")` of the app; a test checks that).
fn zh(en: &str) -> Option<&'static str> {
    Some(match en {
        // Navigation and frame
        "Basic Detection" => "基础检测",
        "Overview" => "概览",
        "Assets" => "资产",
        "Risks" => "风险",
        "Events" => "事件",
        "Compliance" => "合规",
        "Policies" => "策略",
        "Data sources" => "数据源",
        "Settings" => "设置",
        "API security" => "API 安全",
        "Tenant" => "租户",
        "Resource group" => "资源组",
        "resource group" => "资源组",
        "Region" => "地域",
        "Chinese mainland" => "中国内地",
        "Outside Chinese mainland" => "中国内地以外",
        "Sign out" => "退出登录",
        "Language" => "语言",
        "Switch to English" => "切换为英文",
        "Switch to Chinese" => "切换为中文",
        "Main navigation" => "主导航",
        // Login
        "Sign in to apisec" => "登录 apisec",
        "API security console" => "API 安全控制台",
        "User name" => "用户名",
        "Password" => "密码",
        "Sign in" => "登录",
        "Demo tenant: user " => "演示租户：用户 ",
        ", password " => "，密码 ",
        // Feedback
        "Signed out" => "已退出登录",
        "Not allowed" => "无权操作",
        "Not found" => "未找到",
        "Cannot do that" => "无法执行",
        "Slow down" => "请稍后再试",
        "Something went wrong" => "出错了",
        "Loading…" => "加载中…",
        "Please sign in to continue." => "请先登录。",
        "You do not have permission to do this. Ask an admin of this tenant." => "您无权执行此操作，请联系该租户的管理员。",
        "This page or tenant does not exist, or you are not a member of it." => "该页面或租户不存在，或您不是其成员。",
        "The form expired. Reload the page and try again." => "表单已过期，请刷新页面后重试。",
        "Something went wrong on the server. It has been logged; try again later." => "服务器出错，已记录日志，请稍后重试。",
        "Page not found" => "页面不存在",
        "There is no page at this address. It may have moved." => "此地址没有页面，它可能已被移动。",
        "Go to the console" => "前往控制台",
        "Nothing analysed yet" => "尚无分析结果",
        " appear here after the first analysis. Add a log source under " => "将在首次分析后显示。请在以下位置添加日志来源：",
        "API, risk and event trends" => "API、风险和事件趋势",
        // API security lifecycle
        "This page is part of API security, which is not enabled for this tenant yet." => "此页面属于 API 安全服务，该租户尚未开通。",
        "Free trial of API security: expires " => "API 安全免费试用：到期时间 ",
        ". Analysis data from the trial is deleted when it ends unless you buy before then." => "。除非在到期前购买，试用期间的分析数据将在试用结束时删除。",
        "Purchased" => "已购买",
        "Free trial" => "免费试用",
        "Trial ended" => "试用已结束",
        "Not enabled" => "未开通",
        " edition" => " 版",
        "API security discovers API assets, detects risks and attack events, and reviews cross-border data. " => "API 安全可发现 API 资产、检测风险和攻击事件，并审查数据出境。",
        "It analyses logs offline and never probes your APIs. Basic Detection stays on and free either way." => "它离线分析日志，从不主动探测您的 API。无论是否开通，基础检测始终免费开启。",
        "Free trial expires " => "免费试用到期时间 ",
        ". Buy before then to keep the data analysed during the trial." => "。请在此之前购买，以保留试用期间的分析数据。",
        "The free trial has ended and its analysis data was deleted." => "免费试用已结束，其分析数据已删除。",
        "Only an admin of this tenant can change API security." => "只有该租户的管理员可以更改 API 安全设置。",
        "Authorise API security" => "授权 API 安全",
        "Request a free 7-day trial" => "申请 7 天免费试用",
        "Enable now" => "立即开通",
        "Buy now" => "立即购买",
        " I authorise apisec to analyse requests and responses in our traffic logs offline, including detecting sensitive data in them." => " 我授权 apisec 离线分析我们流量日志中的请求和响应，包括检测其中的敏感数据。",
        // Settings
        "Edition" => "版本",
        "The WAF edition of this tenant decides whether the free trial is offered (Pro and above)." => "该租户的 WAF 版本决定是否提供免费试用（专业版及以上）。",
        "Change edition" => "更改版本",
        "Basic (subscription)" => "基础版（包年包月）",
        "Pro" => "专业版",
        "Enterprise" => "企业版",
        "Ultimate" => "旗舰版",
        "The audit log is visible to admins." => "审计日志仅管理员可见。",
        "Audit log" => "审计日志",
        "No entries yet" => "暂无记录",
        "Admin actions such as enabling API security are recorded here." => "开通 API 安全等管理员操作会记录在这里。",
        "Time" => "时间",
        "Who" => "操作人",
        "Action" => "操作",
        "Details" => "详情",
        // Data sources
        "No data sources yet" => "尚无数据源",
        "Data sources are the logs apisec analyses: WAF logs, NGINX access logs, HAR files or JSON lines." => "数据源是 apisec 分析的日志：WAF 日志、NGINX 访问日志、HAR 文件或 JSON Lines。",
        "Until uploads arrive here, you can analyse files from the command line: " => "在可以上传之前，您可以通过命令行分析文件：",
        // Levels
        "High" => "高危",
        "Medium" => "中危",
        "Low" => "低危",
        "high" => "高危",
        "medium" => "中危",
        "low" => "低危",
        "Total" => "总数",
        // Basic Detection
        "Free and always on for every tenant." => "免费，对所有租户始终开启。",
        "Basic Detection runs a basic analysis and shows less than the paid API security service: no detail views, and results may be incomplete or delayed." => "基础检测仅进行基础分析，展示的内容少于付费的 API 安全服务：不提供详情视图，结果可能不完整或有延迟。",
        "Security event overview" => "安全事件概览",
        "Assets overview" => "资产概览",
        "APIs" => "API 数",
        "Active" => "活跃",
        "Inactive" => "不活跃",
        "Security events" => "安全事件",
        "The 10 most recent anomalous events." => "最近 10 条异常事件。",
        "No security events yet" => "尚无安全事件",
        "Nothing has been analysed for this region. Add WAF or access logs under " => "该地域尚无分析结果。请在以下位置添加 WAF 日志或访问日志：",
        "; Basic Detection runs on them automatically." => "；基础检测会自动对其进行分析。",
        "API path" => "API 路径",
        "Domain" => "域名",
        "Attack source" => "攻击来源",
        "For details, risks and trends, enable API security on the " => "如需详情、风险和趋势，请在以下页面开通 API 安全：",
        " page." => " 页面。",
        // Overview
        "Period" => "统计周期",
        "Last 7 days" => "近 7 天",
        "Last 30 days" => "近 30 天",
        "Last 90 days" => "近 90 天",
        "Custom" => "自定义",
        "From" => "开始",
        "To" => "结束",
        "Apply" => "应用",
        "Showing" => "统计范围",
        "(UTC days)" => "（UTC 日期）",
        "The period ends at the newest day with analysed data, which is older than today." => "统计周期截止于有分析数据的最近一天（早于今天）。",
        "Total API Assets" => "API 资产总数",
        "New APIs" => "新增 API",
        "New risks" => "新增风险",
        "Attack requests" => "攻击请求",
        "API Asset Trend" => "API 资产趋势",
        "Risk Trend" => "风险趋势",
        "Attack Trend" => "攻击趋势",
        "Active APIs" => "活跃 API",
        "Date (UTC)" => "日期（UTC）",
        "Count per day" => "每日数量",
        "Click a legend item to show or hide its series." => "点击图例项可显示或隐藏对应数据。",
        "Shown: click to hide" => "已显示：点击隐藏",
        "Hidden: click to show" => "已隐藏：点击显示",
        "Risky Site Statistics" => "风险站点统计",
        "Statistics on Attacked Sites" => "受攻击站点统计",
        "Statistics on Request Sensitive Data Types" => "请求敏感数据类型统计",
        "Statistics on Response Sensitive Data Types" => "响应敏感数据类型统计",
        "More" => "更多",
        "Site" => "站点",
        "Attacks" => "攻击",
        "Data type" => "数据类型",
        "Values" => "数据量",
        "No risks were found in this period." => "该统计周期内未发现风险。",
        "No attacks or events in this period." => "该统计周期内无攻击或事件。",
        "No sensitive data found." => "未发现敏感数据。",
        "Sort ascending" => "升序排列",
        "Sort descending" => "降序排列",
        "Only the first 10 rows are shown; More lists them all." => "仅显示前 10 行，点击“更多”查看全部。",
        // Lists, data sources, risks, assets, compliance, policies, events
        "Unknown" => "未知",
        "To be confirmed" => "待确认",
        "Confirmed" => "已确认",
        "Fixed" => "已修复",
        "Ignored" => "已忽略",
        "Handled" => "已处理",
        "False positive" => "误报",
        "Pages" => "分页",
        "Previous" => "上一页",
        "Page" => "页码",
        "items" => "条",
        "Next" => "下一页",
        "Reset" => "重置",
        "Any" => "全部",
        "Close" => "关闭",
        "Data source created: " => "已创建数据源：",
        "Its ingest token is shown only now. Copy it into your log shipper:" => "接入令牌仅在此时显示一次，请将其复制到您的日志采集器中：",
        "Ingest URL: " => "接入地址：",
        "Sources" => "数据源",
        "A data source is one stream of logs (WAF logs, NGINX access logs, HAR files or JSON lines) for this resource group and region. Add one, then upload files or point a log shipper at its ingest URL." => "数据源是该资源组和地域下的一路日志流（WAF 日志、NGINX 访问日志、HAR 文件或 JSON Lines）。添加数据源后，可上传文件，或将日志采集器指向其接入地址。",
        "From the command line: " => "通过命令行：",
        "Name" => "名称",
        "Format" => "格式",
        "Token" => "令牌",
        "Segments" => "数据段",
        "Accepted lines" => "已接收的行",
        "Rejected lines" => "被拒绝的行",
        "Last data" => "最近数据",
        "none (CLI / demo)" => "无（命令行 / 演示）",
        "Add a data source" => "添加数据源",
        "Add source" => "添加数据源",
        "Choose a file first." => "请先选择文件。",
        "The upload could not start" => "无法开始上传",
        "Upload a log file" => "上传日志文件",
        "Plain or gzip-compressed, up to " => "支持纯文本或 gzip 压缩文件，最大 ",
        ". The file is stored as a segment of the source and analysed in the background; re-uploading the same file changes nothing." => "。文件将作为该数据源的一个数据段存储并在后台分析；重复上传同一文件不会产生任何变化。",
        "Source" => "来源",
        "Upload" => "上传",
        "Add a data source first." => "请先添加数据源。",
        "line " => "行 ",
        "Analysis jobs" => "分析任务",
        "No jobs yet. Every new segment queues an analysis of this scope." => "暂无任务。每个新数据段都会为此范围排队一次分析。",
        "Kind" => "类型",
        "Status" => "状态",
        "Progress" => "进度",
        "Queued" => "排队时间",
        "Started" => "开始时间",
        "Finished" => "完成时间",
        "Cancel" => "取消",
        "Stored segments" => "已存储的数据段",
        "Nothing stored yet." => "尚未存储任何数据。",
        "File" => "文件",
        "Origin" => "来源方式",
        "Size" => "大小",
        "Lines" => "行数",
        "Accepted" => "已接收",
        "Rejected" => "被拒绝",
        "Received" => "接收时间",
        "Records from" => "记录起始",
        "to" => "记录截止",
        "purged" => "已清除",
        "duplicate upload ignored" => "重复上传，已忽略",
        "Rejected lines of segment" => "数据段中被拒绝的行",
        "No rejected lines." => "没有被拒绝的行。",
        "Line" => "行号",
        "Reason" => "原因",
        "Excerpt" => "摘录",
        "Retention" => "保留期限",
        "Raw log data of this tenant is kept for " => "该租户的原始日志数据在接收后保留 ",
        " days after it is received, then purged and the results re-analysed from what remains." => " 天，之后将被清除，并基于剩余数据重新分析结果。",
        "Days" => "天数",
        "Save" => "保存",
        "Upload failed" => "上传失败",
        "Duplicate, already stored: nothing new was counted (segment" => "重复文件，已存储过：未计入任何新数据 (数据段",
        "Stored as segment" => "已存储为数据段",
        "lines accepted" => "行已接收",
        "rejected" => "行被拒绝",
        "The upload failed: the connection was lost." => "上传失败：连接已断开。",
        "Security specification" => "安全规范",
        "Account security" => "账号安全",
        "Access control" => "访问控制",
        "API design" => "API 设计",
        "Data protection" => "数据保护",
        "Permission management" => "权限管理",
        "Other" => "其他",
        "Export CSV" => "导出 CSV",
        "Risk" => "风险",
        "API" => "API",
        "selected" => "项已选择",
        "Set status of selected" => "设置所选项的状态",
        "No risk matches these filters. Risks appear after an analysis of your traffic finds them." => "没有符合筛选条件的风险。对您的流量进行分析并发现风险后，风险将显示在这里。",
        "Select all on this page" => "选择本页全部",
        "Select" => "选择",
        "API details" => "API 详情",
        "Hits" => "命中次数",
        "First seen" => "首次发现",
        "Last seen" => "最近发现",
        "Status changed" => "状态变更时间",
        "Evidence" => "证据",
        "Description" => "描述",
        "Suggestion" => "修复建议",
        "Ignored by ignore rule" => "已被忽略规则忽略",
        "Delete the rule below to see this risk's own status again." => "删除下方的规则即可重新查看此风险自身的状态。",
        "Ignore rule" => "忽略规则",
        "An ignore rule keeps this risk ignored after every later analysis." => "忽略规则会使此风险在之后的每次分析中都保持已忽略状态。",
        "Ignore this risk on this API" => "在此 API 上忽略此风险",
        "Ignore this risk type on the whole host" => "在整个主机上忽略此风险类型",
        "History" => "历史记录",
        "Only analysts and admins can change the status." => "只有分析员和管理员可以更改状态。",
        "Ignore rules" => "忽略规则",
        "Risks matching a rule show as ignored, in this and every later analysis." => "匹配规则的风险在本次及之后的每次分析中都将显示为已忽略。",
        "Rule" => "规则",
        "Added" => "添加时间",
        "Ignore" => "忽略",
        "Delete" => "删除",
        "Sensitive data" => "敏感数据",
        "Internal office" => "内部办公",
        "Third-party cooperation" => "第三方合作",
        "Public service" => "公共服务",
        "None" => "无",
        "Domain contains" => "域名包含",
        "Path contains" => "路径包含",
        "Clear" => "清除",
        "Method" => "请求方法",
        "Purposes" => "用途",
        "Service object" => "服务对象",
        "Authentication" => "认证方式",
        "OpenAPI" => "OpenAPI",
        "Export the inventory (OpenAPI 3.1)" => "导出 API 清单（OpenAPI 3.1）",
        "Compare with your own spec" => "与您自己的接口规范对比",
        "Host" => "主机",
        "All hosts" => "所有主机",
        "Compare" => "对比",
        "Sensitive data types" => "敏感数据类型",
        "Type" => "类型",
        "ID" => "ID",
        "Level" => "等级",
        "Values in requests" => "请求中的数据量",
        "Values in responses" => "响应中的数据量",
        "No API carries this type in this region." => "该地域没有 API 传输此类型的数据。",
        "Path" => "路径",
        "Sensitivity" => "敏感等级",
        "Calls" => "调用次数",
        "None found" => "未发现",
        "None observed" => "未观察到",
        "None identified" => "未识别",
        "Status codes" => "状态码",
        "Response content types" => "响应内容类型",
        "Calls per day" => "每日调用次数",
        "Parameters" => "参数",
        "No parameters observed." => "未观察到参数。",
        "In" => "位置",
        "Types" => "类型",
        "Example (masked)" => "示例（已脱敏）",
        "Seen" => "出现次数",
        "Sensitive data in requests" => "请求中的敏感数据",
        "Sensitive data in responses" => "响应中的敏感数据",
        "Open in Risks" => "在风险中打开",
        "Open in Events" => "在事件中打开",
        "Event" => "事件",
        "Count" => "次数",
        "Template corrections" => "模板修正",
        "No corrections yet." => "暂无修正。",
        "Correction" => "修正",
        "By" => "操作人",
        "Host (optional)" => "主机（可选）",
        "Template, segment or path prefix" => "模板、路径段或路径前缀",
        "Add correction" => "添加修正",
        "The review appears after the first analysis of this scope. Add a log source under Data sources." => "审查结果将在此范围首次分析后显示。请在“数据源”中添加日志来源。",
        "Declaration review not applicable" => "不适用申报审查",
        "The declaration of outbound personal data applies to tenants in the Chinese mainland. Switch the region to Chinese mainland to review it; the counters below are for information." => "个人信息出境申报适用于中国内地的租户。请将地域切换为中国内地以进行审查；以下计数仅供参考。",
        "Declaration required" => "需要申报",
        "Apply for a data export security assessment through the provincial cyberspace administration. Triggered by:" => "请通过所在地省级网信部门申报数据出境安全评估。触发条件：",
        "No declaration required" => "无需申报",
        "No declaration threshold is exceeded for the period. The gauges show how close each counter is." => "统计周期内未超过任何申报阈值。仪表显示各项计数与阈值的接近程度。",
        "Period: since" => "统计周期：自",
        "(1 January of the previous year)" => "（上一年 1 月 1 日）",
        "last analysis" => "最近分析",
        "Printable report" => "可打印报告",
        "Persons with personal information sent outside" => "个人信息出境涉及人数",
        "Persons with sensitive personal information sent outside" => "敏感个人信息出境涉及人数",
        "Persons whose personal information was processed" => "个人信息被处理的人数",
        "Persons received in requests from outside (inbound)" => "境外请求中接收到的人数（入境）",
        "Declaration thresholds" => "申报阈值",
        "A condition is met when its counter is strictly greater than the threshold; the processed-persons condition also needs some outbound transfer." => "当计数严格大于阈值时即满足条件；“处理人数”条件还要求存在数据出境。",
        "Monthly trend" => "月度趋势",
        "Top destinations" => "主要目的地",
        "By destination country" => "按目的国家/地区",
        "By API" => "按 API",
        "Outbound exchanges" => "出境交互次数",
        "By data type" => "按数据类型",
        "Outbound values" => "出境数据量",
        "sensitive" => "敏感",
        "Inbound transfers (personal data in requests from outside)" => "入境传输（境外请求中的个人信息）",
        "Country" => "国家/地区",
        "Distinct values" => "去重数据量",
        "Sightings" => "出现次数",
        "Events with sensitive data sent outside the mainland" => "敏感数据出境的事件",
        "No outbound transfer in the period." => "该统计周期内无数据出境。",
        "Persons" => "人数",
        "Exchanges" => "交互次数",
        "No such event." => "该事件不存在。",
        "Location" => "位置",
        "same API" => "同一 API",
        "Leak tracing" => "泄露溯源",
        "Enter an ID number, phone number, e-mail address, key or other value: it is hashed with this tenant's key and looked up. The value itself is never stored or logged." => "输入身份证号、手机号、电子邮箱、密钥或其他值：系统将使用该租户的密钥对其进行哈希后查询。该值本身不会被存储或记录到日志。",
        "Value" => "值",
        "Any type" => "任意类型",
        "Trace" => "溯源",
        "Index rows:" => "索引行数：",
        "sightings not indexed (cap reached)" => "次出现未被索引（已达上限）",
        "Tracing…" => "溯源中…",
        "This value was not seen in the analysed traffic of this scope (check the type, or leave it as Any type)." => "在此范围已分析的流量中未发现该值（请检查类型，或保留为“任意类型”）。",
        "The index reached its size cap in the last analysis, so absence is not proof." => "最近一次分析中索引已达到容量上限，因此未找到并不能证明不存在。",
        "Client IPs" => "客户端 IP 数",
        "Accounts" => "账号数",
        "Matched as" => "匹配类型",
        "countries" => "国家/地区",
        "Direction" => "方向",
        "Client IP" => "客户端 IP",
        "Account" => "账号",
        "received (response)" => "接收（响应）",
        "sent (request)" => "发送（请求）",
        "outside" => "境外",
        "Showing the oldest rows; total:" => "仅显示最早的记录；总数：",
        "Related events" => "相关事件",
        "Places counted as outside the mainland" => "视为境外的地区",
        "Every country other than the Chinese mainland counts as outside. Hong Kong, Macao and Taiwan count as outside by default; changes apply from the next analysis." => "中国内地以外的所有国家和地区均视为境外。香港、澳门和台湾默认视为境外；更改将从下一次分析起生效。",
        "Inside:" => "境内：",
        "Custom policies are added to the built-in ones. Saved changes apply at the next analysis." => "自定义策略将与内置策略一起生效。保存的更改将在下一次分析时生效。",
        "Saved. The change applies at the next analysis." => "已保存。更改将在下一次分析时生效。",
        "You can read the policies; analysts and admins change them." => "您可以查看策略；分析员和管理员可以更改策略。",
        "built-in" => "条内置",
        "custom enabled" => "条自定义已启用",
        "New" => "新建",
        "Only the built-in policies below are on. Add one with the form." => "目前仅启用了下方的内置策略。可通过表单添加策略。",
        "Definition" => "定义",
        "Enabled" => "已启用",
        "Updated" => "更新时间",
        "On" => "开启",
        "Off" => "关闭",
        "Turn on or off" => "开启或关闭",
        "Edit" => "编辑",
        "Built-in" => "内置",
        "built-in policies, always on." => "条内置策略，始终开启。",
        "Show names" => "显示名称",
        "New identification policy" => "新建识别策略",
        "New sensitive data policy" => "新建敏感数据策略",
        "New risk rule" => "新建风险规则",
        "New event rule" => "新建事件规则",
        "Preview on recent traffic" => "在近期流量上预览",
        "Applies at the next analysis." => "将在下一次分析时生效。",
        "Running the draft on recent traffic…" => "正在近期流量上运行草稿…",
        "This scope has no stored traffic yet, so there is nothing to preview on. Add a data source first." => "此范围尚无已存储的流量，无法预览。请先添加数据源。",
        "Ran on the" => "已在最近",
        "most recent records" => "条记录上运行",
        "matches." => "条匹配。",
        "What" => "内容",
        "Purpose" => "用途",
        "Choose…" => "请选择…",
        "Conditions (all given ones must hold):" => "条件（填写的条件须全部满足）：",
        "Assign:" => "指定：",
        "Test against a sample" => "使用样例测试",
        "Sample (text or JSON)" => "样例（文本或 JSON）",
        "Test sample" => "测试样例",
        "Testing…" => "测试中…",
        "Nothing found in the sample." => "样例中未发现任何内容。",
        "Field" => "字段",
        "Value (masked)" => "值（已脱敏）",
        "this policy" => "本策略",
        "the status range needs two numbers, such as 500 and 599" => "状态码范围需要两个数字，例如 500 和 599",
        "choose what the condition checks" => "请选择该条件检查的内容",
        "Conditions (all must hold)" => "条件（须全部满足）",
        "Remove this condition" => "移除此条件",
        "Add condition" => "添加条件",
        "Suggestion (shown with every risk this rule finds)" => "修复建议（随该规则发现的每个风险一同显示）",
        "the threshold is a number of requests" => "阈值为请求数",
        "the window is a number of seconds" => "时间窗口为秒数",
        "Requests that count (all given conditions must hold)" => "计入的请求（填写的条件须全部满足）",
        "Purpose or purpose type" => "用途或用途类型",
        "(any type)" => "（任意类型）",
        "Baseline exception" => "基线异常",
        "Account risk" => "账号风险",
        "API abuse" => "API 滥用",
        "API attack" => "API 攻击",
        "Sensitive data leak" => "敏感数据泄露",
        "Response exception" => "响应异常",
        "Account anomaly" => "账号异常",
        "Anomalous operation" => "异常操作",
        "Data leak" => "数据泄露",
        "Source IP" => "源 IP",
        "No event matches these filters. Events appear after an analysis finds attacks or abuse in your traffic." => "没有符合筛选条件的事件。分析在您的流量中发现攻击或滥用后，事件将显示在这里。",
        "Timeline of this subject's events" => "该主体的事件时间线",
        "Each bar is one event of this subject, from its first to its last request; the highlighted bar is this event." => "每个条形代表该主体的一个事件，从其第一个请求到最后一个请求；高亮的条形为当前事件。",
        "All APIs" => "全部 API",
        "Start" => "开始时间",
        "End" => "结束时间",
        "Duration" => "持续时间",
        "Requests" => "请求数",
        "Timeline" => "时间线",
        "Sample requests (masked)" => "请求样例（已脱敏）",
        "No samples were kept for this event." => "该事件未保留样例。",
        _ => return None,
    })
}

/// Chinese names of catalog entries. `kind`: "sensitive" (type ID or key), "purpose",
/// "purpose_type", "risk", "event", "category" (risk and event categories).
fn zh_catalog(kind: &str, key: &str) -> Option<&'static str> {
    match kind {
        "sensitive" => zh_sensitive(key),
        "purpose" => zh_purpose(key),
        "purpose_type" => zh_purpose_type(key),
        "risk" => zh_risk(key),
        "event" => zh_event(key),
        "category" => zh_category(key),
        _ => None,
    }
}

fn zh_sensitive(key: &str) -> Option<&'static str> {
    Some(match key {
        "1000" | "cn_id_card" => "身份证号（中国内地）",
        "1002" | "cn_name_simplified" => "姓名（简体中文）",
        "1006" | "cn_passport" => "护照号（中国内地）",
        "1007" | "hk_macao_travel_permit" => "港澳居民来往内地通行证",
        "1008" | "cn_license_plate" => "车牌号（中国内地）",
        "1010" | "military_officer_card" => "军官证",
        "1011" | "gender" => "性别",
        "1012" | "ethnic_group" => "民族",
        "1015" | "hk_id_card" => "身份证号（中国香港）",
        "1016" | "cn_name_traditional" => "姓名（繁体中文）",
        "1017" | "en_name" => "姓名（英文）",
        "1018" | "my_id_card" => "身份证号（马来西亚）",
        "1019" | "sg_id_card" => "身份证号（新加坡）",
        "1023" | "us_ssn" => "社会安全号码（SSN）",
        "1025" | "religious_belief" => "宗教信仰",
        "4412" | "id_kartu_keluarga" => "印尼家庭卡（KK）",
        "4418" | "id_kartu_indonesia_pintar" => "印尼智慧卡（KIP）",
        "1003" | "cn_address" => "地址（中国内地）",
        "1004" | "cn_mobile" => "手机号（中国内地）",
        "1005" | "email" => "电子邮箱",
        "1009" | "cn_landline" => "固定电话（中国内地）",
        "1013" | "cn_province" => "省份（中国内地）",
        "1014" | "cn_city" => "城市（中国内地）",
        "1024" | "us_phone" => "电话号码（美国）",
        "4410" | "en_address" => "地址（英文）",
        "1001" | "debit_card" => "借记卡",
        "1020" | "credit_card" => "贷记卡",
        "1022" | "swift_code" => "SWIFT 代码",
        "2000" | "ipv4" => "IP 地址",
        "2001" | "mac_address" => "MAC 地址",
        "2007" | "ipv6" => "IPv6 地址",
        "2010" | "imei" => "IMEI",
        "2011" | "meid" => "MEID",
        "2015" | "url" => "URL",
        "2002" | "jdbc_connection_string" => "JDBC 连接串",
        "2003" | "pem_certificate" => "PEM 证书",
        "2004" | "private_key" => "私钥",
        "2005" | "accesskey_id" => "AccessKey ID",
        "2006" | "accesskey_secret" => "AccessKey Secret",
        "2013" | "linux_passwd_file" => "Linux 密码文件",
        "2014" | "linux_shadow_file" => "Linux shadow 文件",
        "4399" | "alibaba_cloud_aksk_pair" => "阿里云 AK/SK 密钥对",
        "4400" | "openai_api_key_legacy" => "OpenAI API 密钥（旧版）",
        "4401" | "openai_project_api_key" => "OpenAI 项目 API 密钥",
        "4402" | "bailian_api_key" => "百炼 API 密钥",
        "4403" | "huggingface_api_key" => "HuggingFace API 密钥",
        "4404" | "groq_api_key" => "Groq API 密钥",
        "4405" | "pai_eas_token" => "PAI-EAS 令牌",
        "2009" | "date" => "日期",
        "4000" | "business_license_number" => "营业执照号",
        "4001" | "tax_registration_number" => "税务登记证号",
        "4002" | "organization_code" => "组织机构代码",
        "4003" | "unified_social_credit_code" => "统一社会信用代码",
        "4004" | "vin" => "车辆识别代号（VIN）",
        _ => return None,
    })
}

fn zh_purpose(key: &str) -> Option<&'static str> {
    Some(match key {
        "user_authentication" => "用户认证",
        "user_registration" => "用户注册",
        "data_operations" => "数据操作",
        "order_management" => "订单管理",
        "log_management" => "日志管理",
        "file_management" => "文件管理",
        "notification" => "通知",
        "backend_management" => "后台管理",
        "system_control" => "系统控制",
        "technical_services" => "技术服务",
        _ => return None,
    })
}

fn zh_purpose_type(key: &str) -> Option<&'static str> {
    Some(match key {
        "account_password_based_logon" => "账号密码登录",
        "mobile_verification_code_based_logon" => "手机验证码登录",
        "email_verification_code_based_logon" => "邮箱验证码登录",
        "wechat_logon" => "微信登录",
        "alipay_logon" => "支付宝登录",
        "oauth_authentication" => "OAuth 认证",
        "oidc_authentication" => "OIDC 认证",
        "saml_authentication" => "SAML 认证",
        "sso_authentication" => "SSO 认证",
        "logon" => "登录",
        "logoff" => "登出",
        "password_reset" => "密码重置",
        "account_password_based_registration" => "账号密码注册",
        "mobile_verification_code_based_registration" => "手机验证码注册",
        "email_verification_code_based_registration" => "邮箱验证码注册",
        "wechat_registration" => "微信注册",
        "alipay_registration" => "支付宝注册",
        "registration_service" => "注册服务",
        "database_query" => "数据库查询",
        "data_upload" => "数据上传",
        "data_download" => "数据下载",
        "data_addition" => "数据新增",
        "data_modification" => "数据修改",
        "data_update" => "数据更新",
        "data_sharing" => "数据共享",
        "data_deletion" => "数据删除",
        "data_synchronization" => "数据同步",
        "data_submission" => "数据提交",
        "data_copy" => "数据复制",
        "data_auditing" => "数据审计",
        "data_saving" => "数据保存",
        "data_check" => "数据校验",
        "order_query" => "订单查询",
        "order_export" => "订单导出",
        "order_update" => "订单更新",
        "order_payment" => "订单支付",
        "log_query" => "日志查询",
        "log_reporting" => "日志上报",
        "log_export" => "日志导出",
        "log_service" => "日志服务",
        "file_upload" => "文件上传",
        "file_download" => "文件下载",
        "file_service" => "文件服务",
        "sms_message_sending" => "短信发送",
        "mail_sending" => "邮件发送",
        "information_sending" => "信息发送",
        "verification_code_verification" => "验证码校验",
        "backend_management" => "后台管理",
        "data_dashboard" => "数据大屏",
        "monitoring_service" => "监控服务",
        "cancel" => "取消",
        "start" => "启动",
        "batch_processing" => "批量处理",
        "pause" => "暂停",
        "bind" => "绑定",
        "debugging" => "调试",
        "settings" => "设置",
        "close" => "关闭",
        "status_check" => "状态检查",
        "graphql" => "GraphQL",
        "sql_service" => "SQL 服务",
        "large_model_dialogue" => "大模型对话",
        "mcp_service" => "MCP 服务",
        _ => return None,
    })
}

fn zh_risk(key: &str) -> Option<&'static str> {
    Some(match key {
        "insecure_http_method" => "不安全的 HTTP 方法",
        "weak_jwt_algorithm" => "JWT 弱签名算法",
        "url_as_parameter" => "URL 作为参数",
        "plaintext_password_transmission" => "密码明文传输",
        "weak_password_allowed" => "允许弱密码",
        "internal_weak_password" => "内部应用弱密码漏洞",
        "default_password" => "存在默认密码",
        "plaintext_password_returned" => "返回明文密码",
        "password_in_cookie" => "密码存储在 Cookie 中",
        "unrestricted_login" => "登录无限制",
        "login_failure_enumeration" => "登录失败提示不合理",
        "password_in_url" => "通过 URL 传输账号密码",
        "internal_app_internet_exposed" => "内部应用可从互联网访问",
        "unrestricted_access_source" => "访问来源无限制",
        "unrestricted_access_tool" => "访问工具无限制",
        "unrestricted_access_rate" => "访问频率无限制",
        "weak_credential_randomness" => "凭证随机性不足",
        "unauthenticated_sensitive_api" => "敏感 API 未鉴权访问",
        "unauthenticated_internal_api" => "内部 API 未授权访问",
        "credential_in_url" => "通过 URL 传输凭证",
        "accesskey_pair_leak" => "AccessKey 密钥对泄露",
        "unauthenticated_sts_token" => "未授权获取 STS 令牌",
        "excessive_sensitive_types" => "响应中敏感数据类型过多",
        "excessive_sensitive_volume" => "响应中敏感数据过多",
        "inadequate_deidentification" => "数据脱敏不充分",
        "server_info_leak" => "服务器敏感信息泄露",
        "internal_ip_leak" => "内网 IP 地址泄露",
        "sensitive_data_in_url" => "通过 URL 传输敏感数据",
        "openapi_doc_leak" => "OpenAPI 文档泄露",
        "llm_api_key_leak" => "大模型 API 密钥泄露",
        "traversable_parameter" => "请求参数可遍历",
        "modifiable_result_size" => "返回数据量可修改",
        "database_query_parameter" => "数据库查询",
        "command_execution_parameter" => "命令执行接口",
        "arbitrary_sms_sending" => "任意短信发送",
        "arbitrary_email_sending" => "任意邮件内容发送",
        "sms_code_leak" => "短信验证码泄露",
        "email_code_leak" => "邮箱验证码泄露",
        "specified_file_download" => "指定文件下载",
        "app_exception_leak" => "应用异常信息泄露",
        "db_exception_leak" => "数据库异常信息泄露",
        "custom_risk" => "自定义风险检测规则",
        _ => return None,
    })
}

fn zh_event(key: &str) -> Option<&'static str> {
    Some(match key {
        "abnormal_high_frequency" => "异常高频访问",
        "internal_api_unusual_ip" => "异常 IP 访问内部 API",
        "internal_api_unusual_location" => "异常地点访问内部 API",
        "anomalous_tool_access" => "使用异常工具访问",
        "unusual_time_access" => "异常时段访问",
        "abnormal_parameter_values" => "使用异常参数值访问",
        "internal_weak_password_login" => "内部应用弱密码登录",
        "username_bruteforce" => "用户名暴力破解",
        "password_bruteforce" => "密码暴力破解",
        "dictionary_attack" => "字典攻击",
        "sms_code_bruteforce" => "短信验证码暴力破解",
        "email_code_bruteforce" => "邮箱验证码暴力破解",
        "batch_registration" => "批量注册",
        "sms_resource_abuse" => "恶意消耗短信资源",
        "email_resource_abuse" => "恶意消耗邮件资源",
        "batch_download" => "批量下载",
        "data_crawling" => "数据爬取",
        "api_attack" => "API 攻击",
        "unauthorized_sensitive_access" => "未授权访问敏感数据",
        "mass_sensitive_access" => "大量访问敏感数据",
        "foreign_mass_sensitive_access" => "境外 IP 大量访问敏感数据",
        "error_message_returned" => "返回错误信息",
        "db_error_returned" => "返回数据库错误信息",
        "system_info_returned" => "返回系统敏感信息",
        "abnormal_response" => "异常响应",
        "custom_event" => "自定义事件规则",
        "account_anomalous_tools" => "账号使用异常工具访问",
        "account_mass_sensitive_access" => "异常访问大量敏感数据",
        "account_cross_border_sensitive_access" => "跨境访问敏感数据",
        "account_mass_file_download" => "异常下载大文件",
        "account_horizontal_escalation" => "尝试获取其他用户的敏感信息",
        "account_data_traversal" => "遍历爬取业务数据",
        "account_high_frequency" => "高频调用 API",
        "account_exception_errors" => "访问触发多次异常错误响应",
        "account_abnormal_status_codes" => "响应状态码异常",
        _ => return None,
    })
}

fn zh_category(key: &str) -> Option<&'static str> {
    Some(match key {
        "security_spec" => "安全规范",
        "account_security" => "账号安全",
        "access_control" => "访问控制",
        "permission_management" => "权限管理",
        "data_protection" => "数据保护",
        "api_design" => "API 设计",
        "custom" => "自定义",
        "baseline_exception" => "基线异常",
        "account_risk" => "账号风险",
        "api_abuse" => "API 滥用",
        "api_attack" => "API 攻击",
        "sensitive_data_leak" => "敏感数据泄露",
        "response_exception" => "响应异常",
        "account_anomaly" => "账号异常",
        "data_leak" => "数据泄露",
        "anomalous_operation" => "异常操作",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_header_selects_language() {
        assert_eq!(lang_from_cookie_header("a=b; apisec_lang=zh"), Lang::Zh);
        assert_eq!(lang_from_cookie_header("apisec_lang=en"), Lang::En);
        assert_eq!(lang_from_cookie_header("x=1"), Lang::En);
        assert_eq!(lang_from_cookie_header(""), Lang::En);
        assert_eq!(lang_from_cookie_header("apisec_lang=klingon"), Lang::En);
    }

    #[test]
    fn language_cookie_lasts_a_year_for_the_whole_site() {
        let c = lang_cookie(Lang::Zh);
        assert!(c.starts_with("apisec_lang=zh;"), "{c}");
        for part in ["Path=/", "Max-Age=31536000", "SameSite=Lax"] {
            assert!(c.contains(part), "{c} lacks {part}");
        }
    }

    #[test]
    fn missing_translations_fall_back_to_english() {
        assert_eq!(translate(Lang::Zh, "Assets"), "资产");
        assert_eq!(translate(Lang::Zh, "no such string"), "no such string");
        assert_eq!(translate(Lang::En, "Assets"), "Assets");
        assert_eq!(
            catalog_name_in(Lang::Zh, "event", "api_attack", "API attack"),
            "API 攻击"
        );
        assert_eq!(
            catalog_name_in(Lang::Zh, "sensitive", "1004", "x"),
            "手机号（中国内地）"
        );
        assert_eq!(
            catalog_name_in(Lang::Zh, "risk", "nope", "Custom name"),
            "Custom name"
        );
        assert_eq!(
            catalog_name_in(Lang::En, "event", "api_attack", "API attack"),
            "API attack"
        );
    }

    /// Every `tr("...")` literal in the app's sources has a Chinese entry.
    #[test]
    fn every_tr_string_is_translated() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let mut files = vec![];
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut missing = vec![];
        let mut seen = 0;
        // (this file only mentions `tr("...")` in docs and in this test)
        for f in files.into_iter().filter(|f| !f.ends_with("i18n.rs")) {
            let src = std::fs::read_to_string(&f).unwrap();
            for (i, _) in src.match_indices("tr(\"") {
                // skip `fn tr(` definitions and identifiers ending in `tr`
                let before = src[..i].chars().last().unwrap_or(' ');
                if before.is_alphanumeric() || before == '_' {
                    continue;
                }
                let rest = &src[i + 4..];
                let Some(end) = rest.find("\")") else {
                    continue;
                };
                let lit = rest[..end].replace("\\\"", "\"");
                seen += 1;
                if zh(&lit).is_none() {
                    missing.push(format!("{}: {lit}", f.display()));
                }
            }
        }
        assert!(seen > 50, "found only {seen} tr() calls");
        assert!(missing.is_empty(), "untranslated:\n{}", missing.join("\n"));
    }

    /// Every entry of the catalog files has a Chinese name.
    #[test]
    fn every_catalog_entry_is_translated() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/catalog");
        let mut counts = std::collections::BTreeMap::new();
        let mut missing = vec![];
        for (file, kind) in [
            ("sensitive_types.toml", "sensitive"),
            ("purposes.toml", "purpose"),
            ("risk_types.toml", "risk"),
            ("event_types.toml", "event"),
        ] {
            let src = std::fs::read_to_string(dir.join(file)).unwrap();
            for line in src.lines().map(str::trim) {
                let (k, key) = if kind == "sensitive" {
                    match line.strip_prefix("id = ") {
                        Some(id) => ("sensitive", id.trim().to_string()),
                        None => continue,
                    }
                } else if let Some(v) = line.strip_prefix("key = \"") {
                    (kind, v.trim_end_matches('"').to_string())
                } else if let Some(v) = line.strip_prefix("{ key = \"") {
                    ("purpose_type", v.split('"').next().unwrap().to_string())
                } else if let Some(v) = line.strip_prefix("category = \"") {
                    ("category", v.trim_end_matches('"').to_string())
                } else {
                    continue;
                };
                *counts.entry(k).or_insert(0) += 1;
                if zh_catalog(k, &key).is_none() {
                    missing.push(format!("{k}: {key}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "untranslated catalog entries: {missing:?}"
        );
        assert_eq!(counts["sensitive"], 54);
        assert_eq!(counts["purpose"], 10);
        assert_eq!(counts["purpose_type"], 63);
        assert_eq!(counts["risk"], 42);
        assert_eq!(counts["event"], 35);
    }
}
