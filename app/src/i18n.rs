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
        .or_else(|| use_context::<Lang>())
        .unwrap_or_default()
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

/// The Chinese dictionary of UI strings.
fn zh(en: &str) -> Option<&'static str> {
    Some(match en {
        "Basic Detection" => "基础检测",
        "Overview" => "概览",
        "Assets" => "资产",
        "Risks" => "风险",
        "Events" => "事件",
        "Compliance" => "合规",
        "Policies" => "策略",
        "Data sources" => "数据源",
        "Settings" => "设置",
        _ => return None,
    })
}

/// Chinese names of catalog entries.
fn zh_catalog(_kind: &str, _key: &str) -> Option<&'static str> {
    None
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
    }

    #[test]
    fn missing_translations_fall_back_to_english() {
        assert_eq!(translate(Lang::Zh, "Assets"), "资产");
        assert_eq!(translate(Lang::Zh, "no such string"), "no such string");
        assert_eq!(translate(Lang::En, "Assets"), "Assets");
    }
}
