//! The detector registry: one entry per catalog key, with the rule and where it comes from.
//! Type IDs are named constants checked against the embedded catalog by a test, so a catalog
//! key without a detector, or a detector without a catalog key, fails the build's tests.

/// One built-in detector: catalog key, type ID, the rule in one line and its source.
#[derive(Debug, Clone, Copy)]
pub struct DetectorInfo {
    pub key: &'static str,
    pub id: u32,
    /// How the scanner decides (candidate shape, validation, context).
    pub rule: &'static str,
    /// Where the rule comes from (standard, vendor documentation, observed format).
    pub source: &'static str,
}

macro_rules! ids {
    ($($name:ident = $id:expr, $key:expr;)*) => {
        $(pub const $name: u32 = $id;)*
        /// (catalog key, type ID) of every built-in detector.
        pub const KEYS: &[(&str, u32)] = &[$(($key, $id)),*];
    };
}

ids! {
    CN_ID_CARD = 1000, "cn_id_card";
    DEBIT_CARD = 1001, "debit_card";
    CN_NAME_SIMPLIFIED = 1002, "cn_name_simplified";
    CN_ADDRESS = 1003, "cn_address";
    CN_MOBILE = 1004, "cn_mobile";
    EMAIL = 1005, "email";
    CN_PASSPORT = 1006, "cn_passport";
    HK_MACAO_PERMIT = 1007, "hk_macao_travel_permit";
    CN_LICENSE_PLATE = 1008, "cn_license_plate";
    CN_LANDLINE = 1009, "cn_landline";
    MILITARY_OFFICER_CARD = 1010, "military_officer_card";
    GENDER = 1011, "gender";
    ETHNIC_GROUP = 1012, "ethnic_group";
    CN_PROVINCE = 1013, "cn_province";
    CN_CITY = 1014, "cn_city";
    HK_ID_CARD = 1015, "hk_id_card";
    CN_NAME_TRADITIONAL = 1016, "cn_name_traditional";
    EN_NAME = 1017, "en_name";
    MY_ID_CARD = 1018, "my_id_card";
    SG_ID_CARD = 1019, "sg_id_card";
    CREDIT_CARD = 1020, "credit_card";
    SWIFT_CODE = 1022, "swift_code";
    US_SSN = 1023, "us_ssn";
    US_PHONE = 1024, "us_phone";
    RELIGIOUS_BELIEF = 1025, "religious_belief";
    IPV4 = 2000, "ipv4";
    MAC_ADDRESS = 2001, "mac_address";
    JDBC = 2002, "jdbc_connection_string";
    PEM_CERTIFICATE = 2003, "pem_certificate";
    PRIVATE_KEY = 2004, "private_key";
    ACCESSKEY_ID = 2005, "accesskey_id";
    ACCESSKEY_SECRET = 2006, "accesskey_secret";
    IPV6 = 2007, "ipv6";
    DATE = 2009, "date";
    IMEI = 2010, "imei";
    MEID = 2011, "meid";
    LINUX_PASSWD = 2013, "linux_passwd_file";
    LINUX_SHADOW = 2014, "linux_shadow_file";
    URL = 2015, "url";
    BUSINESS_LICENSE = 4000, "business_license_number";
    TAX_REGISTRATION = 4001, "tax_registration_number";
    ORGANIZATION_CODE = 4002, "organization_code";
    USCC = 4003, "unified_social_credit_code";
    VIN = 4004, "vin";
    ALIYUN_AKSK_PAIR = 4399, "alibaba_cloud_aksk_pair";
    OPENAI_LEGACY = 4400, "openai_api_key_legacy";
    OPENAI_PROJECT = 4401, "openai_project_api_key";
    BAILIAN = 4402, "bailian_api_key";
    HUGGINGFACE = 4403, "huggingface_api_key";
    GROQ = 4404, "groq_api_key";
    PAI_EAS_TOKEN = 4405, "pai_eas_token";
    EN_ADDRESS = 4410, "en_address";
    ID_KK = 4412, "id_kartu_keluarga";
    ID_KIP = 4418, "id_kartu_indonesia_pintar";
}

const fn d(key: &'static str, id: u32, rule: &'static str, source: &'static str) -> DetectorInfo {
    DetectorInfo {
        key,
        id,
        rule,
        source,
    }
}

/// Every built-in detector, in catalog order of groups. `docs/sensitive-data.md` mirrors this.
pub const DETECTORS: &[DetectorInfo] = &[
    d("cn_id_card", CN_ID_CARD,
      "18 chars: 17 digits + digit/X; province prefix of the GB/T 2260 area code; birth date YYYYMMDD 1900-2030 and real; MOD 11-2 check character",
      "GB 11643-1999 Citizen identification number; GB/T 2260 division codes"),
    d("cn_name_simplified", CN_NAME_SIMPLIFIED,
      "2-4 Han characters starting with a common (or compound) surname, under a person-name field (name, realName, xingming, 联系人...) or after a name keyword in text; no traditional-only characters",
      "Surname list after the Ministry of Public Security household-register statistics (top surnames) and the 百家姓 compound surnames"),
    d("cn_passport", CN_PASSPORT,
      "E/G + 8 digits or E + letter (not I/O) + 7 digits; D/S/P (diplomatic, service, public affairs) + 7 digits only under a passport field",
      "Formats of the People's Republic of China passport (2012 e-passport series E, older G series)"),
    d("hk_macao_travel_permit", HK_MACAO_PERMIT,
      "H (Hong Kong) or M (Macao) + 8 digits (2013 card) or + 10 digits (older booklet)",
      "Mainland Travel Permit for Hong Kong and Macao Residents (回乡证) number formats, NIA"),
    d("cn_license_plate", CN_LICENSE_PLATE,
      "province abbreviation (京津沪...) + issuing-authority letter (not I/O) + 5 alphanumerics (last may be 挂/学/警/港/澳) or 6 for new-energy plates (D/F at first or last position)",
      "GA 36-2018 Motor vehicle number plates"),
    d("military_officer_card", MILITARY_OFFICER_CARD,
      "`X字第NNNNNN号` (one-character issuing unit + 字第 + 6-8 digits + 号) anywhere; 6-10 digit numbers only under a 军官证/officer field",
      "Format printed on PLA officer identity cards (军官证)"),
    d("gender", GENDER,
      "男/女/男性/女性/male/female/M/F (and 0/1/2 codes) as the whole value of a gender/sex/xingbie/性别 field, or after 性别 in text",
      "Field-name context; GB/T 2261.1 sex codes (0 unknown, 1 male, 2 female)"),
    d("ethnic_group", ETHNIC_GROUP,
      "one of the 56 official ethnic group names with 族 anywhere, or without 族 under a nation/minzu/民族 field",
      "GB/T 3304-1991 names of ethnic groups in China"),
    d("hk_id_card", HK_ID_CARD,
      "1-2 letters + 6 digits + check digit (0-9/A), optionally in parentheses, MOD 11 check",
      "Hong Kong Immigration Department HKID check digit algorithm"),
    d("cn_name_traditional", CN_NAME_TRADITIONAL,
      "as the simplified name, but containing at least one traditional-only character (陳, 張, 黃...)",
      "Traditional/simplified correspondence of the 通用规范汉字表 (2013)"),
    d("en_name", EN_NAME,
      "2-3 capitalised words (optional middle initial) under a person-name field; under a bare `name` field the first word must be a common given name or the parent object a person",
      "Field-name context; US Census/SSA common given names"),
    d("my_id_card", MY_ID_CARD,
      "YYMMDD-PB-NNNN with a real date and a valid place-of-birth code; 12 digits without dashes only under a MyKad/IC field",
      "Malaysia National Registration Department MyKad number structure and state codes"),
    d("sg_id_card", SG_ID_CARD,
      "S/T/F/G/M + 7 digits + check letter (weights 2,7,6,5,4,3,2; series offsets and tables)",
      "Singapore ICA NRIC/FIN checksum"),
    d("us_ssn", US_SSN,
      "AAA-GG-SSSS with area not 000/666/9xx, group not 00, serial not 0000 (and not advertising numbers); 9 digits without dashes only under an SSN field or keyword",
      "SSA SSN randomization rules (2011) and invalid ranges"),
    d("religious_belief", RELIGIOUS_BELIEF,
      "a religion name (佛教, 基督教, Islam, Buddhist...) as the whole value of a religion/faith/宗教 field, or after 宗教信仰 in text",
      "Field-name context; the five religions recognised in China plus major world religions"),
    d("id_kartu_keluarga", ID_KK,
      "16 digits: Indonesian province code (11-96) + regency/district + issue date DDMMYY + serial, under a KK/kartu keluarga field or keyword",
      "Dukcapil Kartu Keluarga number structure (same layout as the NIK)"),
    d("id_kartu_indonesia_pintar", ID_KIP,
      "6-20 alphanumerics with a digit under a KIP/kartu indonesia pintar field or keyword",
      "Kemendikbud Program Indonesia Pintar card number; format not standardised, so context only"),
    d("cn_address", CN_ADDRESS,
      "Han text with administrative or street markers (省/市/区/县/镇/路/街/号/室...) and a house number or a province/city start; under an address field one marker suffices",
      "GB/T 2260 division suffixes and common street-address layout"),
    d("cn_mobile", CN_MOBILE,
      "11 digits 1[3-9]XXXXXXXXX not inside a longer digit run, optional +86/86 and 3-4-4 grouping",
      "MIIT numbering plan for public mobile networks (13x-19x)"),
    d("email", EMAIL,
      "local@domain with RFC 5321 local-part characters, dotted domain, alphabetic TLD of 2+ letters",
      "RFC 5321 / RFC 1035"),
    d("cn_landline", CN_LANDLINE,
      "0 + 2-3 digit area code + 7-8 digit subscriber number with a separator or parentheses (optional extension); 10-12 digits without separator only under a phone field",
      "MIIT fixed-line numbering plan (area codes 010, 02X, 0XXX)"),
    d("cn_province", CN_PROVINCE,
      "one of the 34 provincial-level divisions (with or without 省/市/自治区, or pinyin) as the whole value of a province field",
      "GB/T 2260 provincial-level divisions"),
    d("cn_city", CN_CITY,
      "a prefecture-level city name (with or without 市) as the whole value of a city field",
      "GB/T 2260 prefecture-level divisions"),
    d("us_phone", US_PHONE,
      "NANP number (area and exchange 2-9XX, not N11, not 555-01XX, not toll-free) formatted (XXX) XXX-XXXX, XXX-XXX-XXXX, XXX.XXX.XXXX or +1; bare 10 digits only under a phone field",
      "North American Numbering Plan Administration rules"),
    d("en_address", EN_ADDRESS,
      "house number + 1-5 words + street suffix (Street, St, Ave, Road, Blvd...) optionally followed by city, state and ZIP; under an address field the number and a street word suffice",
      "USPS Publication 28 street suffix abbreviations"),
    d("debit_card", DEBIT_CARD,
      "13-19 digits (optionally grouped by 4) passing Luhn with a known network prefix, classified as debit by BIN: UnionPay 62 except credit BINs, 60/9 domestic, and a table of known debit BINs",
      "ISO/IEC 7812 IIN ranges; UnionPay and issuer BIN lists (documented table in finance.rs)"),
    d("credit_card", CREDIT_CARD,
      "as debit, classified as credit: UnionPay 625/628 and listed Chinese credit BINs, Amex, JCB, Diners, Discover, Visa and Mastercard outside the debit table",
      "ISO/IEC 7812 IIN ranges; issuer BIN lists (documented table in finance.rs)"),
    d("swift_code", SWIFT_CODE,
      "4 letters bank + ISO 3166 country + 2 alphanumeric location (+3 branch), under a swift/bic field or keyword",
      "ISO 9362 Business Identifier Code"),
    d("ipv4", IPV4,
      "four dot-separated decimal octets 0-255 without leading zeros, not part of a longer dotted run, not a version (v-prefix or version field)",
      "RFC 791 dotted-quad notation"),
    d("mac_address", MAC_ADDRESS,
      "six hex pairs separated by ':' or '-' (not all zero, not broadcast); 12 hex without separators under a mac field",
      "IEEE 802 MAC-48 notation"),
    d("ipv6", IPV6,
      "colon-hex text accepted by the standard library IPv6 parser with at least three groups, not loopback or unspecified",
      "RFC 4291 / RFC 5952 text representation"),
    d("imei", IMEI,
      "15 digits passing Luhn, with a GSMA reporting-body prefix (01, 35, 86, 99...) or under an IMEI field/keyword",
      "3GPP TS 23.003 IMEI structure (TAC + SNR + Luhn check digit)"),
    d("meid", MEID,
      "14 hex with regional code A0-FF (optional 15th hex Luhn check digit); 18-digit decimal form only under a MEID field",
      "3GPP2 S.R0048 Mobile Equipment Identifier"),
    d("url", URL,
      "http:// or https:// followed by a host with a dot or an IP and an optional port/path, up to whitespace or quote",
      "RFC 3986 URI syntax"),
    d("jdbc_connection_string", JDBC,
      "`jdbc:<subprotocol>:` followed by a host or path, up to whitespace or quote",
      "JDBC 4.3 specification, driver URL formats"),
    d("pem_certificate", PEM_CERTIFICATE,
      "`-----BEGIN CERTIFICATE-----` (or X509/TRUSTED CERTIFICATE) block with base64 body and matching END line",
      "RFC 7468 textual encodings"),
    d("private_key", PRIVATE_KEY,
      "`-----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED ]PRIVATE KEY-----` or PGP PRIVATE KEY BLOCK with matching END line",
      "RFC 7468, RFC 4880, OpenSSH PROTOCOL.key"),
    d("accesskey_id", ACCESSKEY_ID,
      "`LTAI` + 12-20 alphanumerics (Alibaba Cloud RAM AccessKey ID)",
      "Alibaba Cloud RAM AccessKey documentation"),
    d("accesskey_secret", ACCESSKEY_SECRET,
      "30 alphanumerics with upper, lower and digits, under a secret field, after a secret keyword, or in the same object/body as an AccessKey ID",
      "Alibaba Cloud RAM AccessKey documentation"),
    d("linux_passwd_file", LINUX_PASSWD,
      "at least two lines of `name:pw:uid:gid:gecos:home:shell` with numeric uid/gid",
      "passwd(5)"),
    d("linux_shadow_file", LINUX_SHADOW,
      "at least two lines of `name:hash:lastchg:min:max:warn:inactive:expire:` (9 fields, numeric or empty ages), or one with a crypt hash ($1$, $5$, $6$, $y$, $2b$)",
      "shadow(5), crypt(5)"),
    d("alibaba_cloud_aksk_pair", ALIYUN_AKSK_PAIR,
      "an AccessKey ID and an AccessKey Secret in the same message (request or response)",
      "Alibaba Cloud RAM AccessKey documentation"),
    d("openai_api_key_legacy", OPENAI_LEGACY,
      "`sk-` + 48 alphanumerics (legacy user keys carry the `T3BlbkFJ` marker at offset 20)",
      "OpenAI API key format"),
    d("openai_project_api_key", OPENAI_PROJECT,
      "`sk-proj-` (also `sk-svcacct-`, `sk-admin-`) + 40 or more of [A-Za-z0-9_-]",
      "OpenAI project API key format"),
    d("bailian_api_key", BAILIAN,
      "`sk-` + 32 lower-case hex characters",
      "Alibaba Cloud Model Studio (Bailian/DashScope) API key format"),
    d("huggingface_api_key", HUGGINGFACE,
      "`hf_` + 34 ASCII letters",
      "Hugging Face user access token format"),
    d("groq_api_key", GROQ,
      "`gsk_` + 52 alphanumerics",
      "Groq API key format"),
    d("pai_eas_token", PAI_EAS_TOKEN,
      "54 base64 characters + `==` whose decoding is 40 hex digits (the EAS service token form)",
      "Alibaba Cloud PAI-EAS service token as shown by `eascmd desc` and the console"),
    d("date", DATE,
      "a calendar date without time of day (YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日) anywhere; timestamps, compact YYYYMMDD and DD/MM/YYYY only under a date/birthday field",
      "ISO 8601 and GB/T 7408 date formats; decision documented in docs/sensitive-data.md"),
    d("business_license_number", BUSINESS_LICENSE,
      "15 digits with a province prefix and a valid ISO 7064 MOD 11,10 check digit, under a license/registration field or keyword (or anywhere when the field is not an order/trace number and the check passes)",
      "GS 15-2006 business registration number; GB/T 17710-1999 check"),
    d("tax_registration_number", TAX_REGISTRATION,
      "15 (area code + organization code), 18 (unified code) or 20 (ID number + 2) characters under a tax/nsrsbh/税号 field or keyword",
      "SAT tax registration number layouts"),
    d("organization_code", ORGANIZATION_CODE,
      "8 digits/letters + `-` + check character (GB 11714 weights); without the dash only under an organization-code field",
      "GB 11714-1997 Organization code"),
    d("unified_social_credit_code", USCC,
      "18 characters of the GB 32100 set: registration authority + category + 6-digit area + 9-char organization code + MOD 31 check; the embedded organization code must check too unless under a credit-code field",
      "GB 32100-2015 Unified social credit code"),
    d("vin", VIN,
      "17 characters without I/O/Q, letters and digits, with a valid position-9 check digit; without a valid check only under a vin/车架号 field",
      "ISO 3779, FMVSS 565 (49 CFR 565), GB 16735-2019"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;
    use std::collections::HashSet;

    #[test]
    fn every_catalog_key_has_a_detector_and_back() {
        let cat = catalog();
        let mut seen = HashSet::new();
        for t in &cat.sensitive_types {
            let det = DETECTORS.iter().find(|d| d.key == t.key);
            let det = det.unwrap_or_else(|| panic!("no detector for catalog key {}", t.key));
            assert_eq!(det.id, t.id, "detector id for {}", t.key);
            assert!(
                KEYS.contains(&(t.key.as_str(), t.id)),
                "constant for {}",
                t.key
            );
            seen.insert(t.key.as_str());
        }
        for d in DETECTORS {
            assert!(
                seen.contains(d.key),
                "detector {} has no catalog key",
                d.key
            );
            assert!(!d.rule.is_empty() && !d.source.is_empty());
        }
        assert_eq!(DETECTORS.len(), cat.sensitive_types.len());
        assert_eq!(KEYS.len(), cat.sensitive_types.len());
    }
}
