//! Normal traffic: the businesses of the demo world as their users use them. Nothing here may
//! look like a planted incident: passwords travel encrypted (except on the legacy apps that the
//! incidents own), tokens are RS256, sensitive APIs require a session, page sizes are small.

use super::json::Obj;
use super::net;
use super::rec::Rec;
use super::values::{self, mask_id, mask_mobile, mask_name, Person};
use super::world::{User, World};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ep {
    Static,
    ProductList,
    ProductDetail,
    Search,
    Cart,
    CartAdd,
    OrderCreate,
    OrderList,
    OrderDetail,
    Pay,
    Profile,
    Addresses,
    BankCards,
    UserGet,
    UserOrders,
    Articles,
    ArticleDetail,
    Messages,
    Settings,
    Feedback,
    GraphQl,
    FileUpload,
    FileDownload,
    MerchantCustomers,
    Login,
    SmsSend,
    SmsLogin,
    Register,
    EmailSend,
    EmailVerify,
    Logout,
    PwdReset,
    OAuthToken,
    Refresh,
    Chat,
    Mcp,
    OaEmployees,
    OaEmployee,
    OaApprovals,
    OaApprove,
    OaDashboard,
    OaAttendance,
    OaNotices,
    AdminUsers,
    AdminLogQuery,
    AdminLogExport,
    AdminMetrics,
    PartnerOrderSync,
    PartnerLogistics,
    PartnerInvoice,
    PartnerMerchant,
    PartnerMembers,
}

/// (endpoint, weight in public hours, internal (office-hours only)?)
const TABLE: &[(Ep, u32, bool)] = &[
    (Ep::Static, 140, false),
    (Ep::ProductList, 80, false),
    (Ep::ProductDetail, 100, false),
    (Ep::Search, 40, false),
    (Ep::Cart, 40, false),
    (Ep::CartAdd, 20, false),
    (Ep::OrderCreate, 8, false),
    (Ep::OrderList, 20, false),
    (Ep::OrderDetail, 18, false),
    (Ep::Pay, 7, false),
    (Ep::Profile, 20, false),
    (Ep::Addresses, 10, false),
    (Ep::BankCards, 4, false),
    (Ep::UserGet, 35, false),
    (Ep::UserOrders, 25, false),
    (Ep::Articles, 50, false),
    (Ep::ArticleDetail, 40, false),
    (Ep::Messages, 30, false),
    (Ep::Settings, 8, false),
    (Ep::Feedback, 2, false),
    (Ep::GraphQl, 20, false),
    (Ep::FileUpload, 4, false),
    (Ep::FileDownload, 7, false),
    (Ep::MerchantCustomers, 4, false),
    (Ep::Login, 14, false),
    (Ep::SmsSend, 6, false),
    (Ep::SmsLogin, 5, false),
    (Ep::Register, 2, false),
    (Ep::EmailSend, 2, false),
    (Ep::EmailVerify, 2, false),
    (Ep::Logout, 4, false),
    (Ep::PwdReset, 1, false),
    (Ep::OAuthToken, 3, false),
    (Ep::Refresh, 8, false),
    (Ep::Chat, 10, false),
    (Ep::Mcp, 4, false),
    (Ep::PartnerOrderSync, 10, false),
    (Ep::PartnerLogistics, 10, false),
    (Ep::PartnerInvoice, 3, false),
    (Ep::PartnerMerchant, 3, false),
    (Ep::PartnerMembers, 2, false),
    (Ep::OaEmployees, 14, true),
    (Ep::OaEmployee, 10, true),
    (Ep::OaApprovals, 20, true),
    (Ep::OaApprove, 6, true),
    (Ep::OaDashboard, 12, true),
    (Ep::OaAttendance, 10, true),
    (Ep::OaNotices, 10, true),
    (Ep::AdminUsers, 6, true),
    (Ep::AdminLogQuery, 5, true),
    (Ep::AdminLogExport, 1, true),
    (Ep::AdminMetrics, 6, true),
];

/// Relative traffic per hour of the day (Asia/Shanghai) for public services.
pub const HOURLY: [u32; 24] = [
    20, 10, 6, 4, 4, 6, 14, 30, 50, 70, 80, 80, 72, 70, 78, 80, 80, 72, 64, 66, 74, 76, 56, 34,
];

/// Whether internal (office) endpoints are in use at this local hour and weekday.
pub fn office_hours(local_hour: u32, weekday: u32) -> bool {
    weekday < 5 && (8..20).contains(&local_hour)
}

pub struct Picker {
    office: Vec<(u32, Ep)>,
    off: Vec<(u32, Ep)>,
}

impl Picker {
    pub fn new() -> Picker {
        let mut office = Vec::new();
        let mut off = Vec::new();
        let (mut a, mut b) = (0, 0);
        for &(ep, w, internal) in TABLE {
            a += w;
            office.push((a, ep));
            if !internal {
                b += w;
                off.push((b, ep));
            }
        }
        Picker { office, off }
    }
    pub fn pick(&self, rng: &mut ChaCha8Rng, in_office: bool) -> Ep {
        let t = if in_office { &self.office } else { &self.off };
        let total = t.last().map(|x| x.0).unwrap_or(1);
        let x = rng.gen_range(0..total);
        let i = t.partition_point(|(c, _)| *c <= x);
        t[i.min(t.len() - 1)].1
    }
}

impl Default for Picker {
    fn default() -> Self {
        Self::new()
    }
}

const CATEGORIES: &[(u32, &str)] = &[
    (101, "手机数码"),
    (102, "家用电器"),
    (103, "服饰鞋包"),
    (104, "美妆个护"),
    (105, "食品生鲜"),
    (106, "母婴玩具"),
    (107, "图书文娱"),
    (108, "运动户外"),
];
const PRODUCT_WORDS: &[&str] = &[
    "无线蓝牙耳机",
    "智能手表",
    "空气炸锅",
    "保温杯",
    "羽绒服",
    "跑步鞋",
    "洗面奶",
    "坚果礼盒",
    "儿童积木",
    "机械键盘",
    "电动牙刷",
    "登山包",
    "纯棉T恤",
    "有机大米",
    "护眼台灯",
];
const KEYWORDS: &[&str] = &[
    "耳机",
    "手机壳",
    "连衣裙",
    "奶粉",
    "iphone 15",
    "扫地机器人",
    "口红",
    "跑鞋",
    "零食",
    "显示器",
];
const ARTICLE_TITLES: &[&str] = &[
    "春季新品上市指南",
    "如何挑选一款适合自己的耳机",
    "会员积分规则调整公告",
    "618 大促预热攻略",
    "家电以旧换新政策解读",
    "物流时效说明",
    "防骗提醒：官方不会索要验证码",
];

pub fn order_no(rng: &mut ChaCha8Rng, t: i64) -> String {
    format!(
        "{}{}",
        2025_0000_0000i64 + (t / 1000) % 1_0000_0000,
        values::digits(rng, 6)
    )
}

pub struct Normal<'w> {
    pub w: &'w World,
    pub picker: Picker,
}

fn cookie_shop(u: &User) -> String {
    format!(
        "SESSIONID={}; _ga=GA1.2.{}.1709251200",
        u.session,
        u.id * 31
    )
}

/// The shop's order detail as the owner sees it (receiver name and phone masked, full address).
pub fn order_detail(rng: &mut ChaCha8Rng, p: &Person, no: &str) -> String {
    ok(|o| {
        o.open("data")
            .s("order_no", no)
            .s("status", "已发货")
            .open("receiver")
            .s("name", &mask_name(&p.name))
            .s("phone", &mask_mobile(&p.mobile))
            .s("address", &p.address)
            .close()
            .s("express_company", "顺丰速运")
            .s("waybill_no", &format!("SF{}", values::digits(rng, 13)))
            .close();
    })
}

fn ok(data: impl FnOnce(&mut Obj)) -> String {
    let mut o = Obj::new();
    o.n("code", 0).s("msg", "success");
    data(&mut o);
    o.finish()
}

impl<'w> Normal<'w> {
    pub fn new(w: &'w World) -> Self {
        Normal {
            w,
            picker: Picker::new(),
        }
    }

    fn user<'a>(&'a self, rng: &mut ChaCha8Rng) -> &'a User {
        // Skewed activity: a third of the users make most of the calls.
        let n = self.w.users.len();
        let i = if rng.gen_bool(0.6) {
            rng.gen_range(0..n.div_ceil(3))
        } else {
            rng.gen_range(0..n)
        };
        &self.w.users[i]
    }

    fn uip(u: &User, rng: &mut ChaCha8Rng) -> std::net::Ipv4Addr {
        if u.app && rng.gen_bool(0.4) {
            u.mobile_ip
        } else {
            u.home_ip
        }
    }

    /// A logged-in shop request (cookie session; the gateway logs the account).
    fn shop(
        &self,
        rng: &mut ChaCha8Rng,
        t: i64,
        u: &User,
        method: &'static str,
        path: String,
    ) -> Rec {
        let mut r = Rec::new(t, "shop.example.com", method, path, Self::uip(u, rng))
            .ua(u.ua)
            .h("cookie", cookie_shop(u))
            .acct(&u.username);
        if !u.app {
            r = r.h("referer", "https://shop.example.com/".into());
        }
        r
    }

    /// An app API request with a bearer token (the engine derives the account from `sub`).
    fn api(
        &self,
        rng: &mut ChaCha8Rng,
        t: i64,
        u: &User,
        method: &'static str,
        path: String,
    ) -> Rec {
        Rec::new(t, "api.example.com", method, path, Self::uip(u, rng))
            .ua(u.ua)
            .h("authorization", format!("Bearer {}", u.jwt))
            .h("x-request-id", values::uuid(rng))
    }

    pub fn gen(&self, rng: &mut ChaCha8Rng, t: i64, in_office: bool) -> Rec {
        let ep = self.picker.pick(rng, in_office);
        self.gen_ep(rng, t, ep)
    }

    pub fn gen_ep(&self, rng: &mut ChaCha8Rng, t: i64, ep: Ep) -> Rec {
        let w = self.w;
        match ep {
            Ep::Static => {
                let u = self.user(rng);
                const FILES: &[(&str, &str)] = &[
                    ("/static/js/app.8f3a2c1d.js", "application/javascript"),
                    ("/static/js/vendor.51be09aa.js", "application/javascript"),
                    ("/static/css/main.4d7e2b90.css", "text/css"),
                    ("/static/img/logo.png", "image/png"),
                    ("/static/img/banner-spring.jpg", "image/jpeg"),
                    ("/favicon.ico", "image/x-icon"),
                    ("/static/fonts/iconfont.woff2", "font/woff2"),
                ];
                let (p, ct) = FILES[rng.gen_range(0..FILES.len())];
                let cached = rng.gen_bool(0.3);
                Rec::new(t, "shop.example.com", "GET", p.into(), Self::uip(u, rng))
                    .ua(net::BROWSERS[(u.id % 7) as usize])
                    .h("referer", "https://shop.example.com/".into())
                    .st(if cached { 304 } else { 200 })
                    .rh("content-type", ct.into())
            }
            Ep::ProductList => {
                let u = self.user(rng);
                let (cat, _) = CATEGORIES[rng.gen_range(0..CATEGORIES.len())];
                let page = 1 + rng.gen_range(0..4u32).min(rng.gen_range(0..4u32));
                let mut o = Obj::new();
                o.n("code", 0)
                    .s("msg", "success")
                    .open("data")
                    .n("total", 1000 + cat as i64 * 3)
                    .n("page", page as i64)
                    .open_arr("list");
                for _ in 0..20 {
                    o.elem_obj()
                        .n("id", rng.gen_range(100_001..105_000))
                        .s(
                            "title",
                            PRODUCT_WORDS[rng.gen_range(0..PRODUCT_WORDS.len())],
                        )
                        .raw(
                            "price",
                            &format!("{}.{:02}", rng.gen_range(9..2999), rng.gen_range(0..100)),
                        )
                        .n("sales", rng.gen_range(0..50_000))
                        .close();
                }
                o.close_arr();
                let r = Rec::new(
                    t,
                    "shop.example.com",
                    "GET",
                    "/api/products".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .q(format!(
                    "category_id={cat}&page={page}&page_size=20&sort=sales"
                ));
                r.rjson(o.finish())
            }
            Ep::ProductDetail => {
                let u = self.user(rng);
                let id = rng.gen_range(100_001..105_000);
                if rng.gen_bool(0.02) {
                    // delisted product
                    return Rec::new(
                        t,
                        "shop.example.com",
                        "GET",
                        format!("/api/products/{id}"),
                        Self::uip(u, rng),
                    )
                    .ua(u.ua)
                    .st(404)
                    .rjson(r#"{"code":404,"msg":"商品已下架"}"#.into());
                }
                let body = ok(|o| {
                    o.open("data")
                        .n("id", id)
                        .s("title", PRODUCT_WORDS[(id % 15) as usize])
                        .raw("price", &format!("{}.00", 19 + id % 900))
                        .n("stock", rng.gen_range(0..800))
                        .s("shop_name", "官方旗舰店")
                        .raw("rating", "4.8")
                        .close();
                });
                Rec::new(
                    t,
                    "shop.example.com",
                    "GET",
                    format!("/api/products/{id}"),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .rjson(body)
            }
            Ep::Search => {
                let u = self.user(rng);
                let kw = KEYWORDS[rng.gen_range(0..KEYWORDS.len())];
                let q: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("keyword", kw)
                    .append_pair("page", "1")
                    .finish();
                let body = ok(|o| {
                    o.open("data")
                        .n("total", rng.gen_range(0..400))
                        .open_arr("list");
                    for _ in 0..10 {
                        o.elem_obj()
                            .n("id", rng.gen_range(100_001..105_000))
                            .s(
                                "title",
                                PRODUCT_WORDS[rng.gen_range(0..PRODUCT_WORDS.len())],
                            )
                            .close();
                    }
                    o.close_arr();
                });
                Rec::new(
                    t,
                    "shop.example.com",
                    "GET",
                    "/api/search".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .q(q)
                .rjson(body)
            }
            Ep::Cart => {
                let u = self.user(rng);
                let n = rng.gen_range(0..6);
                let body = ok(|o| {
                    o.open("data").open_arr("items");
                    for _ in 0..n {
                        o.elem_obj()
                            .n("sku_id", rng.gen_range(2_000_000..2_100_000))
                            .n("quantity", rng.gen_range(1..4))
                            .raw("price", &format!("{}.90", rng.gen_range(9..999)))
                            .close();
                    }
                    o.close_arr();
                });
                self.shop(rng, t, u, "GET", "/api/cart".into()).rjson(body)
            }
            Ep::CartAdd => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.n("sku_id", rng.gen_range(2_000_000..2_100_000))
                    .n("quantity", rng.gen_range(1..3));
                self.shop(rng, t, u, "POST", "/api/cart/items".into())
                    .json(b.finish())
                    .rjson(ok(|o| {
                        o.open("data").n("cart_count", rng.gen_range(1..9)).close();
                    }))
            }
            Ep::OrderCreate => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.n("address_id", (u.id * 10 + 1) as i64).open_arr("items");
                b.elem_obj()
                    .n("sku_id", rng.gen_range(2_000_000..2_100_000))
                    .n("quantity", 1)
                    .close();
                b.close_arr().s("remark", "");
                let no = order_no(rng, t);
                self.shop(rng, t, u, "POST", "/api/orders".into())
                    .json(b.finish())
                    .rjson(ok(|o| {
                        o.open("data")
                            .s("order_no", &no)
                            .raw("pay_amount", &format!("{}.00", rng.gen_range(19..2999)))
                            .close();
                    }))
            }
            Ep::OrderList => {
                let u = self.user(rng);
                let p = &u.person;
                let n = rng.gen_range(1..=10);
                let body = ok(|o| {
                    o.open("data").n("total", n).open_arr("list");
                    for _ in 0..n {
                        o.elem_obj()
                            .s("order_no", &{
                                let back = rng.gen_range(0..30 * 86_400_000);
                                order_no(rng, t - back)
                            })
                            .s(
                                "status",
                                ["待发货", "已发货", "已完成"][rng.gen_range(0..3)],
                            )
                            .s("receiver", &mask_name(&p.name))
                            .s("receiver_phone", &mask_mobile(&p.mobile))
                            .s("province", p.province)
                            .s("city", p.city)
                            .close();
                    }
                    o.close_arr();
                });
                self.shop(rng, t, u, "GET", "/api/orders".into())
                    .q("status=all&page=1&page_size=10".to_string())
                    .rjson(body)
            }
            Ep::OrderDetail => {
                let u = self.user(rng);
                let p = &u.person;
                let back = rng.gen_range(0..30 * 86_400_000);
                let no = order_no(rng, t - back);
                let body = order_detail(rng, p, &no);
                self.shop(rng, t, u, "GET", format!("/api/orders/{no}"))
                    .rjson(body)
            }
            Ep::Pay => {
                let u = self.user(rng);
                let no = order_no(rng, t);
                let mut b = Obj::new();
                b.s("order_no", &no).s(
                    "channel",
                    ["alipay", "wechat", "unionpay"][rng.gen_range(0..3)],
                );
                self.shop(rng, t, u, "POST", "/api/payments".into())
                    .json(b.finish())
                    .rjson(ok(|o| {
                        o.open("data")
                            .s("trade_no", &values::digits(rng, 28))
                            .s("pay_status", "PROCESSING")
                            .close();
                    }))
            }
            Ep::Profile => {
                let u = self.user(rng);
                let p = &u.person;
                let body = ok(|o| {
                    o.open("data")
                        .n("user_id", u.id as i64)
                        .s("nickname", &u.username)
                        .s("real_name", &mask_name(&p.name))
                        .s("mobile", &mask_mobile(&p.mobile))
                        .s("id_card", &mask_id(&p.id_number))
                        .s("email", &p.email)
                        .s("gender", p.gender())
                        .s("member_level", "黄金会员")
                        .close();
                });
                self.shop(rng, t, u, "GET", "/api/user/profile".into())
                    .rjson(body)
            }
            Ep::Addresses => {
                let u = self.user(rng);
                let p = &u.person;
                let body = ok(|o| {
                    o.open_arr("data");
                    o.elem_obj()
                        .n("address_id", (u.id * 10 + 1) as i64)
                        .s("receiver", &p.name)
                        .s("phone", &p.mobile)
                        .s("province", p.province)
                        .s("city", p.city)
                        .s("detail", &p.address)
                        .b("is_default", true)
                        .close();
                    o.close_arr();
                });
                self.shop(rng, t, u, "GET", "/api/user/addresses".into())
                    .q(format!("user_id={}", u.id))
                    .rjson(body)
            }
            Ep::BankCards => {
                let u = self.user(rng);
                let p = &u.person;
                let body = ok(|o| {
                    o.open_arr("data");
                    o.elem_obj()
                        .s("bank", p.bank)
                        .s("card_no", &values::mask_card(&p.bank_card))
                        .s(
                            "card_type",
                            if p.card_credit {
                                "信用卡"
                            } else {
                                "储蓄卡"
                            },
                        )
                        .close();
                    o.close_arr();
                });
                self.shop(rng, t, u, "GET", "/api/user/bank-cards".into())
                    .rjson(body)
            }
            Ep::UserGet => {
                let u = self.user(rng);
                let body = ok(|o| {
                    o.open("data")
                        .n("id", u.id as i64)
                        .s("username", &u.username)
                        .s("mobile", &mask_mobile(&u.person.mobile))
                        .s("avatar", &format!("/static/avatar/{}.jpg", u.id % 97))
                        .n("followers", (u.id % 300) as i64)
                        .close();
                });
                self.api(rng, t, u, "GET", format!("/v1/users/{}", u.id))
                    .rjson(body)
            }
            Ep::UserOrders => {
                let u = self.user(rng);
                let page = rng.gen_range(1..3);
                let body = ok(|o| {
                    o.open("data")
                        .n("page", page)
                        .n("page_size", 20)
                        .open_arr("items");
                    for _ in 0..rng.gen_range(0..8) {
                        o.elem_obj()
                            .s("order_no", &{
                                let back = rng.gen_range(0..60 * 86_400_000);
                                order_no(rng, t - back)
                            })
                            .raw("amount", &format!("{}.00", rng.gen_range(9..3000)))
                            .close();
                    }
                    o.close_arr();
                });
                self.api(rng, t, u, "GET", format!("/v2/users/{}/orders", u.uuid))
                    .q(format!("page={page}&page_size=20"))
                    .rjson(body)
            }
            Ep::Articles => {
                let u = self.user(rng);
                let limit = [10, 20][rng.gen_range(0..2)];
                let offset = limit * rng.gen_range(0..5);
                let body = ok(|o| {
                    o.open("data").open_arr("articles");
                    for _ in 0..limit {
                        o.elem_obj()
                            .n("id", rng.gen_range(50_001..52_000))
                            .s(
                                "title",
                                ARTICLE_TITLES[rng.gen_range(0..ARTICLE_TITLES.len())],
                            )
                            .n("views", rng.gen_range(10..90_000))
                            .close();
                    }
                    o.close_arr();
                });
                self.api(rng, t, u, "GET", "/v1/articles".into())
                    .q(format!("limit={limit}&offset={offset}"))
                    .rjson(body)
            }
            Ep::ArticleDetail => {
                let u = self.user(rng);
                let id = rng.gen_range(50_001..52_000);
                let body = ok(|o| {
                    o.open("data")
                        .n("id", id)
                        .s("title", ARTICLE_TITLES[(id % 7) as usize])
                        .s(
                            "content",
                            "为了给您提供更好的购物体验，我们对以下规则进行了调整……",
                        )
                        .close();
                });
                self.api(rng, t, u, "GET", format!("/v1/articles/{id}"))
                    .rjson(body)
            }
            Ep::Messages => {
                let u = self.user(rng);
                let body = ok(|o| {
                    o.open("data")
                        .n("unread", rng.gen_range(0..5))
                        .open_arr("messages");
                    for _ in 0..rng.gen_range(0..5) {
                        o.elem_obj()
                            .n("id", rng.gen_range(1_000_000..9_000_000))
                            .s("title", "您的订单已发货")
                            .close();
                    }
                    o.close_arr();
                });
                self.api(rng, t, u, "GET", "/v2/messages".into())
                    .q("page=1&limit=20".to_string())
                    .rjson(body)
            }
            Ep::Settings => {
                let u = self.user(rng);
                let body = ok(|o| {
                    o.open("data")
                        .b("push_enabled", true)
                        .s("language", "zh-CN")
                        .b("privacy_mode", false)
                        .close();
                });
                self.api(
                    rng,
                    t,
                    u,
                    "GET",
                    format!("/v1/accounts/{}/settings", u.username),
                )
                .rjson(body)
            }
            Ep::Feedback => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("category", "物流")
                    .s("content", "快递三天还没到，麻烦帮忙催一下")
                    .n("order_id", rng.gen_range(1..99999));
                self.api(rng, t, u, "POST", "/v1/feedback".into())
                    .json(b.finish())
                    .rjson(ok(|o| {
                        o.open("data")
                            .n("ticket_id", rng.gen_range(100_000..999_999))
                            .close();
                    }))
            }
            Ep::GraphQl => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("operationName", "ViewerOrders")
                    .s("query", "query ViewerOrders($first: Int!) { viewer { id nickname orders(first: $first) { edges { node { orderNo status amount } } } } }")
                    .open("variables").n("first", 5).close();
                let mut o = Obj::new();
                o.open("data")
                    .open("viewer")
                    .n("id", u.id as i64)
                    .s("nickname", &u.username)
                    .open("orders")
                    .open_arr("edges");
                for _ in 0..rng.gen_range(0..5) {
                    o.elem_obj()
                        .open("node")
                        .s("orderNo", &order_no(rng, t))
                        .s("status", "PAID")
                        .raw("amount", "128.00")
                        .close()
                        .close();
                }
                o.close_arr();
                self.api(rng, t, u, "POST", "/graphql".into())
                    .json(b.finish())
                    .rjson(o.finish())
            }
            Ep::FileUpload => {
                let u = self.user(rng);
                let boundary = format!("----WebKitFormBoundary{}", values::alnum(rng, 16));
                let body = format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"receipt_{}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n",
                    rng.gen_range(1000..9999)
                );
                let id = &w.files[rng.gen_range(0..w.files.len())];
                let mut r = self.api(rng, t, u, "POST", "/v1/files/upload".into());
                r.req_headers.push((
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                ));
                r.req_body = Some(body);
                r.rjson(ok(|o| {
                    o.open("data")
                        .s("file_id", id)
                        .n("size", rng.gen_range(20_000..3_000_000))
                        .close();
                }))
            }
            Ep::FileDownload => {
                let u = self.user(rng);
                let id = &w.files[rng.gen_range(0..w.files.len())];
                self.api(rng, t, u, "GET", format!("/v1/files/{id}/download"))
                    .rh("content-type", "application/pdf".into())
                    .rh(
                        "content-disposition",
                        format!("attachment; filename=\"invoice_{}.pdf\"", &id[..8]),
                    )
                    .rh("content-length", rng.gen_range(30_000..900_000).to_string())
            }
            Ep::MerchantCustomers => {
                let mi = w.merchants[rng.gen_range(0..w.merchants.len())];
                let u = &w.users[mi];
                let page = rng.gen_range(1..4);
                let body = merchant_customers(w, rng, page, 20);
                self.api(rng, t, u, "GET", "/v1/merchant/customers".into())
                    .q(format!("page={page}&page_size=20"))
                    .rjson(body)
            }
            Ep::Login => {
                let u = self.user(rng);
                let fail = rng.gen_bool(0.06);
                let mut b = Obj::new();
                b.s("username", &u.username)
                    .s("password", &rsa_blob(rng))
                    .s("captcha_ticket", &format!("tr0{}", values::alnum(rng, 40)))
                    .s("randstr", &format!("@{}", values::alnum(rng, 3)));
                let r = Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/login".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .json(b.finish());
                if fail {
                    r.rjson(r#"{"code":1001,"msg":"用户名或密码错误"}"#.into())
                } else {
                    let refresh = values::hex(rng, 32);
                    r.rjson(ok(|o| {
                        o.open("data")
                            .s("access_token", &u.jwt)
                            .s("refresh_token", &refresh)
                            .n("expires_in", 7200)
                            .close();
                    }))
                }
            }
            Ep::SmsSend => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("mobile", &u.person.mobile)
                    .s("scene", ["login", "bind", "reset"][rng.gen_range(0..3)])
                    .s("captcha_ticket", &format!("tr0{}", values::alnum(rng, 40)));
                Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/sms/send".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .json(b.finish())
                .rjson(r#"{"code":0,"msg":"验证码已发送","data":{"expire":300}}"#.into())
            }
            Ep::SmsLogin => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("mobile", &u.person.mobile)
                    .s("sms_code", &values::digits(rng, 6));
                let r = Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/login/sms".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .json(b.finish());
                if rng.gen_bool(0.08) {
                    r.rjson(r#"{"code":1003,"msg":"验证码错误或已过期"}"#.into())
                } else {
                    r.rjson(ok(|o| {
                        o.open("data")
                            .s("access_token", &u.jwt)
                            .n("expires_in", 7200)
                            .close();
                    }))
                }
            }
            Ep::Register => {
                let ip = net::ip_in(rng, net::CN);
                let mut b = Obj::new();
                b.s("mobile", &values::mobile(rng))
                    .s("sms_code", &values::digits(rng, 6))
                    .s("password", &rsa_blob(rng))
                    .s("invite_code", "");
                Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/register".into(),
                    ip,
                )
                .ua(net::APPS[rng.gen_range(0..net::APPS.len())])
                .json(b.finish())
                .rjson(ok(|o| {
                    o.open("data")
                        .n("user_id", rng.gen_range(300_000..400_000))
                        .close();
                }))
            }
            Ep::EmailSend => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("email", &u.person.email).s("scene", "bind_email");
                Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/email/send".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .h("authorization", format!("Bearer {}", u.jwt))
                .json(b.finish())
                .rjson(r#"{"code":0,"msg":"邮件已发送"}"#.into())
            }
            Ep::EmailVerify => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("email", &u.person.email)
                    .s("code", &values::digits(rng, 6));
                Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/email/verify".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .h("authorization", format!("Bearer {}", u.jwt))
                .json(b.finish())
                .rjson(r#"{"code":0,"msg":"邮箱验证成功"}"#.into())
            }
            Ep::Logout => {
                let u = self.user(rng);
                Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/logout".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .h("authorization", format!("Bearer {}", u.jwt))
                .rjson(r#"{"code":0,"msg":"success"}"#.into())
            }
            Ep::PwdReset => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("mobile", &u.person.mobile)
                    .s("sms_code", &values::digits(rng, 6))
                    .s("new_password", &rsa_blob(rng));
                Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/password/reset".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .json(b.finish())
                .rjson(r#"{"code":0,"msg":"密码已重置"}"#.into())
            }
            Ep::OAuthToken => {
                let p = &w.partners[rng.gen_range(0..w.partners.len())];
                let form = format!(
                    "grant_type=authorization_code&code={}&client_id={}&code_verifier={}",
                    values::alnum(rng, 32),
                    &p.app_key[3..15],
                    values::alnum(rng, 43)
                );
                Rec::new(t, "passport.example.com", "POST", "/oauth/token".into(), p.ips[rng.gen_range(0..2)])
                    .ua(p.ua)
                    .form(form)
                    .rjson(format!(
                        r#"{{"access_token":"{}","token_type":"Bearer","expires_in":3600,"scope":"order.read"}}"#,
                        values::alnum(rng, 40)
                    ))
            }
            Ep::Refresh => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("refresh_token", &values::hex(rng, 32));
                Rec::new(
                    t,
                    "passport.example.com",
                    "POST",
                    "/api/v1/token/refresh".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .json(b.finish())
                .rjson(ok(|o| {
                    o.open("data")
                        .s("access_token", &u.jwt)
                        .n("expires_in", 7200)
                        .close();
                }))
            }
            Ep::Chat => {
                let u = self.user(rng);
                let mut b = Obj::new();
                b.s("model", "qwen-plus").open_arr("messages");
                b.elem_obj()
                    .s("role", "system")
                    .s("content", "你是商城的智能客服。")
                    .close();
                b.elem_obj()
                    .s("role", "user")
                    .s(
                        "content",
                        [
                            "这款耳机支持降噪吗？",
                            "怎么申请退货？",
                            "优惠券什么时候过期？",
                        ][rng.gen_range(0..3)],
                    )
                    .close();
                b.close_arr().b("stream", false);
                let resp = format!(
                    r#"{{"id":"chatcmpl-{}","object":"chat.completion","created":{},"model":"qwen-plus","choices":[{{"index":0,"message":{{"role":"assistant","content":"您好，这款商品支持七天无理由退货，您可以在订单详情页申请。"}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":{},"completion_tokens":{},"total_tokens":{}}}}}"#,
                    values::alnum(rng, 24),
                    t / 1000,
                    42,
                    31,
                    73
                );
                Rec::new(
                    t,
                    "ai.example.com",
                    "POST",
                    "/v1/chat/completions".into(),
                    Self::uip(u, rng),
                )
                .ua(u.ua)
                .h("authorization", format!("Bearer {}", u.jwt))
                .json(b.finish())
                .rjson(resp)
            }
            Ep::Mcp => {
                let e = &w.employees[rng.gen_range(0..w.employees.len())];
                let id = rng.gen_range(1..500);
                let (req, resp) = if rng.gen_bool(0.3) {
                    (
                        format!(
                            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/list","params":{{}}}}"#
                        ),
                        format!(
                            r#"{{"jsonrpc":"2.0","id":{id},"result":{{"tools":[{{"name":"search_products","description":"Search the catalog"}},{{"name":"get_order_status","description":"Order status by number"}}]}}}}"#
                        ),
                    )
                } else {
                    (
                        format!(
                            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"search_products","arguments":{{"keyword":"{}"}}}}}}"#,
                            KEYWORDS[rng.gen_range(0..KEYWORDS.len())]
                        ),
                        format!(
                            r#"{{"jsonrpc":"2.0","id":{id},"result":{{"content":[{{"type":"text","text":"找到 {} 个相关商品"}}]}}}}"#,
                            rng.gen_range(1..90)
                        ),
                    )
                };
                Rec::new(t, "ai.example.com", "POST", "/mcp".into(), e.ip)
                    .ua("claude-desktop/0.9 (mcp-client)")
                    .h(
                        "authorization",
                        format!("Bearer mcp_{}", &e.session[..24].to_ascii_lowercase()),
                    )
                    .json(req)
                    .rjson(resp)
            }
            Ep::OaEmployees
            | Ep::OaEmployee
            | Ep::OaApprovals
            | Ep::OaApprove
            | Ep::OaDashboard
            | Ep::OaAttendance
            | Ep::OaNotices => {
                let e = &w.employees[rng.gen_range(0..w.employees.len())];
                let r = Rec::new(t, "oa.example.com", "GET", String::new(), e.ip)
                    .ua(e.ua)
                    .h("cookie", format!("JSESSIONID={}", e.session))
                    .acct(&e.username);
                self.oa(rng, r, ep)
            }
            Ep::AdminUsers | Ep::AdminLogQuery | Ep::AdminLogExport | Ep::AdminMetrics => {
                let a = &w.admins[rng.gen_range(0..w.admins.len())];
                let r = Rec::new(t, "admin.example.com", "GET", String::new(), a.ip)
                    .ua(a.ua)
                    .h("cookie", format!("ADMIN_SESSION={}", a.session))
                    .acct(&a.username);
                self.admin(rng, r, ep)
            }
            Ep::PartnerOrderSync
            | Ep::PartnerLogistics
            | Ep::PartnerInvoice
            | Ep::PartnerMerchant
            | Ep::PartnerMembers => {
                let p = &w.partners[rng.gen_range(0..w.partners.len())];
                let r = Rec::new(
                    t,
                    "partner.example.com",
                    "GET",
                    String::new(),
                    p.ips[rng.gen_range(0..2)],
                )
                .ua(p.ua)
                .h("x-app-key", p.app_key.clone())
                .h("x-timestamp", (t / 1000).to_string())
                .h("x-sign", values::hex(rng, 64));
                self.partner(rng, r, ep)
            }
        }
    }

    fn oa(&self, rng: &mut ChaCha8Rng, mut r: Rec, ep: Ep) -> Rec {
        let w = self.w;
        match ep {
            Ep::OaEmployees => {
                r.path = "/hr/employees".into();
                let page = rng.gen_range(1..4);
                let body = ok(|o| {
                    o.open("data")
                        .n("total", w.employees.len() as i64)
                        .open_arr("rows");
                    for i in 0..20 {
                        let e = &w.employees[((page - 1) * 20 + i) as usize % w.employees.len()];
                        o.elem_obj()
                            .s("emp_no", &e.emp_no)
                            .s("name", &e.person.name)
                            .s("dept", e.dept)
                            .s("mobile", &mask_mobile(&e.person.mobile))
                            .s("email", &format!("{}@corp.example.com", e.username))
                            .close();
                    }
                    o.close_arr();
                });
                r.q(format!("dept_id=&page={page}&page_size=20"))
                    .rjson(body)
            }
            Ep::OaEmployee => {
                let e = &w.employees[rng.gen_range(0..w.employees.len())];
                r.path = format!("/hr/employees/{}", e.emp_no);
                let body = ok(|o| {
                    o.open("data")
                        .s("emp_no", &e.emp_no)
                        .s("name", &e.person.name)
                        .s("dept", e.dept)
                        .s("mobile", &e.person.mobile)
                        .s("id_card", &mask_id(&e.person.id_number))
                        .s("entry_date", "2019-07-01")
                        .close();
                });
                r.rjson(body)
            }
            Ep::OaApprovals => {
                r.path = "/approval/tasks".into();
                let body = ok(|o| {
                    o.open("data").open_arr("tasks");
                    for _ in 0..rng.gen_range(0..6) {
                        o.elem_obj()
                            .n("id", rng.gen_range(80_000..90_000))
                            .s(
                                "type",
                                ["请假", "报销", "采购", "用章"][rng.gen_range(0..4)],
                            )
                            .s(
                                "applicant",
                                &w.employees[rng.gen_range(0..w.employees.len())].person.name,
                            )
                            .close();
                    }
                    o.close_arr();
                });
                r.q("status=pending&page=1".into()).rjson(body)
            }
            Ep::OaApprove => {
                r.method = "POST";
                r.path = format!("/approval/tasks/{}/approve", rng.gen_range(80_000..90_000));
                r.json(r#"{"opinion":"同意"}"#.into())
                    .rjson(r#"{"code":0,"msg":"success"}"#.into())
            }
            Ep::OaDashboard => {
                r.path = "/dashboard/stats".into();
                let body = ok(|o| {
                    o.open("data")
                        .n("todo", rng.gen_range(0..20))
                        .n("notices", rng.gen_range(0..5))
                        .n("meetings", rng.gen_range(0..4))
                        .close();
                });
                r.rjson(body)
            }
            Ep::OaAttendance => {
                r.path = "/attendance/records".into();
                r.q("month=2025-03".into()).rjson(ok(|o| {
                    o.open("data")
                        .n("late", rng.gen_range(0..3))
                        .n("leave_days", rng.gen_range(0..2))
                        .close();
                }))
            }
            _ => {
                r.path = "/api/notice/list".into();
                r.rjson(ok(|o| {
                    o.open_arr("data")
                        .elem_obj()
                        .n("id", 301)
                        .s("title", "关于清明节放假安排的通知")
                        .close()
                        .close_arr();
                }))
            }
        }
    }

    fn admin(&self, rng: &mut ChaCha8Rng, mut r: Rec, ep: Ep) -> Rec {
        let w = self.w;
        match ep {
            Ep::AdminUsers => {
                r.path = "/admin/api/users".into();
                let page = rng.gen_range(1..20);
                let body = ok(|o| {
                    o.open("data")
                        .n("total", w.users.len() as i64)
                        .open_arr("records");
                    for i in 0..20 {
                        let u = &w.users[(page as usize * 20 + i) % w.users.len()];
                        o.elem_obj()
                            .n("id", u.id as i64)
                            .s("username", &u.username)
                            .s("mobile", &mask_mobile(&u.person.mobile))
                            .s("status", "NORMAL")
                            .close();
                    }
                    o.close_arr();
                });
                r.q(format!("page={page}&size=20")).rjson(body)
            }
            Ep::AdminLogQuery => {
                r.path = "/admin/api/logs/query".into();
                let body = ok(|o| {
                    o.open("data").open_arr("logs");
                    for _ in 0..10 {
                        o.elem_obj()
                            .s("level", "WARN")
                            .s("service", "order-service")
                            .s("message", "slow query: 1203ms")
                            .close();
                    }
                    o.close_arr();
                });
                r.q("level=WARN&service=order-service&page=1&page_size=10".into())
                    .rjson(body)
            }
            Ep::AdminLogExport => {
                r.method = "POST";
                r.path = "/admin/api/logs/export".into();
                r.json(
                    r#"{"level":"ERROR","service":"payment-service","date":"2025-03-05"}"#.into(),
                )
                .rh("content-type", "text/csv".into())
                .rh(
                    "content-disposition",
                    "attachment; filename=\"logs-payment-service.csv\"".into(),
                )
            }
            _ => {
                r.path = "/admin/api/monitor/metrics".into();
                r.rjson(ok(|o| {
                    o.open("data")
                        .raw("cpu", &format!("0.{}", rng.gen_range(10..90)))
                        .raw("qps", &format!("{}", rng.gen_range(200..900)))
                        .close();
                }))
            }
        }
    }

    fn partner(&self, rng: &mut ChaCha8Rng, mut r: Rec, ep: Ep) -> Rec {
        let w = self.w;
        match ep {
            Ep::PartnerOrderSync => {
                r.method = "POST";
                r.path = "/openapi/v1/orders/sync".into();
                let mut b = Obj::new();
                b.s("start_time", "2025-03-05 00:00:00")
                    .s("end_time", "2025-03-05 01:00:00")
                    .n("page", rng.gen_range(1..5));
                r.json(b.finish()).rjson(ok(|o| {
                    o.open("data")
                        .n("count", rng.gen_range(0..200))
                        .b("has_more", false)
                        .close();
                }))
            }
            Ep::PartnerLogistics => {
                r.path = "/openapi/v1/logistics/track".into();
                r.q(format!("waybill_no=SF{}", values::digits(rng, 13)))
                    .rjson(ok(|o| {
                        o.open("data")
                            .s("state", "运输中")
                            .s("location", "杭州转运中心")
                            .close();
                    }))
            }
            Ep::PartnerInvoice => {
                r.method = "POST";
                r.path = "/openapi/v1/invoices".into();
                let mut b = Obj::new();
                b.s("buyer_name", "杭州某某科技有限公司")
                    .s("buyer_tax_no", &values::uscc(rng))
                    .raw("amount", "1280.00");
                r.json(b.finish()).rjson(ok(|o| {
                    o.open("data")
                        .s("invoice_no", &values::digits(rng, 20))
                        .close();
                }))
            }
            Ep::PartnerMerchant => {
                let id = rng.gen_range(7000..7200);
                r.path = format!("/openapi/v1/merchants/{id}");
                let p = &w.customers[id as usize % w.customers.len()];
                r.rjson(ok(|o| {
                    o.open("data")
                        .s("company", "上海优选商贸有限公司")
                        .s("credit_code", &values::uscc(rng))
                        .s("legal_person", &mask_name(&p.name))
                        .s("contact_tel", &p.landline)
                        .close();
                }))
            }
            _ => {
                r.path = "/openapi/v1/members".into();
                let page = rng.gen_range(1..4);
                r.q(format!("page={page}&page_size=20"))
                    .rjson(members_page(w, page, 20))
            }
        }
    }
}

/// Members shared with partners (full mobile for delivery, masked id).
pub fn members_page(w: &World, page: u32, size: u32) -> String {
    let mut o = Obj::new();
    o.n("code", 0)
        .s("msg", "success")
        .open("data")
        .n("page", page as i64)
        .open_arr("members");
    for i in 0..size {
        let p = &w.customers[((page * size + i) as usize) % w.customers.len()];
        o.elem_obj()
            .s("name", &p.name)
            .s("mobile", &p.mobile)
            .s("city", p.city)
            .close();
    }
    o.close_arr();
    o.finish()
}

/// A merchant's customers (full mobile and address: merchants ship to them).
pub fn merchant_customers(w: &World, rng: &mut ChaCha8Rng, page: u32, size: u32) -> String {
    let mut o = Obj::new();
    o.n("code", 0)
        .s("msg", "success")
        .open("data")
        .n("total", w.customers.len() as i64)
        .open_arr("customers");
    for i in 0..size {
        let p = &w.customers[((page.saturating_sub(1) * size + i) as usize) % w.customers.len()];
        o.elem_obj()
            .s("name", &p.name)
            .s("mobile", &p.mobile)
            .s("address", &p.address)
            .n("orders", rng.gen_range(1..30))
            .close();
    }
    o.close_arr();
    o.finish()
}

/// An RSA-2048 ciphertext in base64, as login forms send an encrypted password.
pub fn rsa_blob(rng: &mut ChaCha8Rng) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(344);
    for _ in 0..342 {
        s.push(A[rng.gen_range(0..64)] as char);
    }
    s.push_str("==");
    s
}
