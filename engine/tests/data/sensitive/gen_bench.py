"""Generates the realistic benchmark bodies of engine/benches/sensitive.rs: API responses in the
shapes real services return (an order list, a GitHub-style issue list, a Chinese content feed),
mostly non-sensitive text, numbers, IDs and URLs with a few personal values. Fixed seed: the
committed files are reproducible with `python3 gen_bench.py` in this directory."""
import json, random

R = random.Random(20241206)

def snowflake():
    return str(1700000000000000000 + R.randrange(10**17))

def ts(day):
    return f"2024-{R.randint(1,12):02d}-{R.randint(1,28):02d}T{R.randint(0,23):02d}:{R.randint(0,59):02d}:{R.randint(0,59):02d}.{R.randint(0,999):03d}+08:00"

def luhn_ok(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        v = int(c)
        if i % 2 == 1:
            v *= 2
            if v > 9: v -= 9
        s += v
    return s % 10 == 0

PRODUCTS = ["Organic Green Tea 250g", "USB-C Fast Charger 65W", "Stainless Steel Water Bottle 750ml",
            "Men's Running Shoes", "无线蓝牙耳机 降噪版", "儿童保温杯 500ml", "机械键盘 87键 茶轴",
            "Ceramic Coffee Mug", "4K HDMI Cable 2m", "纯棉四件套 1.8m床"]
COLORS = ["black", "white", "navy", "黑色", "白色", "red"]
SIZES = ["S", "M", "L", "XL", "42", "43", "均码"]
STATUSES = ["PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "REFUNDING"]
TRACES = ["【杭州市】快件已在【杭州转运中心】完成分拣，准备发往下一站", "【上海市】快件已揽收",
          "【北京市】派件员正在为您派件", "【广州市】快件已到达【广州白云集散中心】",
          "已签收，签收人凭取货码签收。感谢使用，期待再次为您服务"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "杰", "涛", "明", "超", "秀英", "志强"]
CITIES = [("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"), ("江苏省", "南京市", "鼓楼区"),
          ("四川省", "成都市", "武侯区"), ("北京市", "北京市", "朝阳区")]
ROADS = ["文三路", "科技园南路", "中山北路", "天府大道", "建国路"]

def mobile():
    return R.choice(["138", "139", "186", "150", "177", "135"]) + "".join(R.choice("0123456789") for _ in range(8))

def order(k):
    prov, city, dist = R.choice(CITIES)
    items = []
    for j in range(R.randint(1, 4)):
        p = R.choice(PRODUCTS)
        items.append({
            "skuId": f"SKU{R.randrange(10**9):09d}",
            "spuId": R.randrange(10**6),
            "productName": p,
            "image": f"https://img.example-shop.com/sku/{R.randrange(10**6)}/main_800x800.jpg",
            "quantity": R.randint(1, 3),
            "unitPrice": round(R.uniform(9, 899), 2),
            "discount": round(R.uniform(0, 20), 2),
            "attributes": {"color": R.choice(COLORS), "size": R.choice(SIZES)},
            "refundable": R.random() < 0.8,
        })
    total = round(sum(i["unitPrice"] * i["quantity"] for i in items), 2)
    o = {
        "orderId": snowflake(),
        "orderNo": f"E{R.randrange(10**17):017d}",
        "status": R.choice(STATUSES),
        "createdAt": ts(k),
        "updatedAt": 1717000000000 + R.randrange(10**10),
        "buyerId": R.randrange(10**8),
        "channel": R.choice(["app", "mini_program", "h5", "pc"]),
        "items": items,
        "amount": {"total": total, "shipping": R.choice([0, 6, 8, 12]), "coupon": R.choice([0, 5, 10, 20]),
                   "payable": round(total, 2), "currency": "CNY"},
        "payment": {"method": R.choice(["ALIPAY", "WECHAT", "UNIONPAY", "BALANCE"]),
                    "transactionId": f"4200{R.randrange(10**24):024d}",
                    "paidAt": ts(k) if R.random() < 0.8 else None},
        "logistics": {"company": R.choice(["SF", "ZTO", "YTO", "JD"]),
                      "trackingNo": f"SF{R.randrange(10**13):013d}",
                      "traces": [{"time": ts(k), "desc": R.choice(TRACES)} for _ in range(R.randint(1, 3))]},
        "remark": R.choice(["", "", "请尽快发货", "周末送货", "Please leave at the front desk", "不要放快递柜，谢谢"]),
        "flags": {"gift": R.random() < 0.1, "invoice": R.random() < 0.3, "presale": False},
    }
    # the receiver block: the personal part of an order (one person per order)
    if R.random() < 0.7:
        o["receiver"] = {
            "receiverName": R.choice(SURNAMES) + R.choice(GIVEN),
            "receiverPhone": mobile(),
            "province": prov, "city": city, "district": dist,
            "detailAddress": f"{R.choice(ROADS)}{R.randint(1, 999)}号{R.randint(1, 30)}幢{R.randint(101, 2999)}室",
            "postCode": f"{R.randint(100000, 799999)}",
        }
    else:
        o["receiver"] = {"pickupPoint": f"菜鸟驿站 #{R.randint(100, 999)}", "code": f"{R.randint(1, 30)}-{R.randint(1, 9)}-{R.randint(1000, 9999)}"}
    return o

orders = {"code": 200, "msg": "ok", "traceId": "%032x" % R.getrandbits(128),
          "data": {"pageNum": 1, "pageSize": 120, "total": 5321, "list": [order(k) for k in range(120)]}}

WORDS = ("the build fails when the cache directory is missing and the runner retries three times before "
         "giving up; we should surface the error earlier and document the workaround in the README "
         "this happens on linux and macos with the latest release but not with the previous one "
         "steps to reproduce run the command with verbose logging enabled and attach the output").split()
LABELS = [("bug", "d73a4a"), ("enhancement", "a2eeef"), ("documentation", "0075ca"), ("good first issue", "7057ff"),
          ("needs-triage", "ededed"), ("performance", "fbca04")]
LOGINS = ["octocat", "hubot", "monalisa", "dependabot[bot]", "jdoe-dev", "k8s-ci-robot", "maria-s", "lin-wei"]

def para(n):
    ws = [R.choice(WORDS) for _ in range(n)]
    ws[0] = ws[0].capitalize()
    return " ".join(ws) + "."

def user():
    login = R.choice(LOGINS)
    uid = R.randrange(10**7, 10**8)
    base = f"https://api.github.com/users/{login}"
    return {"login": login, "id": uid, "node_id": "MDQ6VXNlcj" + "%06x" % R.getrandbits(24),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4", "gravatar_id": "",
            "url": base, "html_url": f"https://github.com/{login}", "followers_url": base + "/followers",
            "repos_url": base + "/repos", "type": "Bot" if "[bot]" in login else "User", "site_admin": False}

def issue(k):
    num = 4000 - k
    repo = "https://api.github.com/repos/example-org/toolkit"
    body = "\n\n".join([
        "### Describe the bug\n" + para(R.randint(20, 60)),
        "### Steps\n1. " + para(8) + "\n2. " + para(10) + "\n```\n$ toolkit build --release\nerror[E0433]: failed to resolve: use of undeclared crate\n  --> src/main.rs:12:5\n```",
        "### Environment\n- OS: Ubuntu 22.04\n- toolkit 0.%d.%d\n- rustc 1.7%d.0" % (R.randint(1, 30), R.randint(0, 9), R.randint(0, 9)),
    ])
    return {"url": f"{repo}/issues/{num}", "repository_url": repo, "labels_url": f"{repo}/issues/{num}/labels{{/name}}",
            "comments_url": f"{repo}/issues/{num}/comments", "html_url": f"https://github.com/example-org/toolkit/issues/{num}",
            "id": R.randrange(10**9, 3 * 10**9), "node_id": "I_kwDO" + "".join(R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(14)),
            "number": num, "title": para(R.randint(5, 12)).rstrip("."), "user": user(),
            "labels": [{"id": R.randrange(10**9), "name": n, "color": c, "default": False} for n, c in R.sample(LABELS, R.randint(0, 3))],
            "state": R.choice(["open", "closed"]), "locked": False, "assignee": None, "assignees": [],
            "comments": R.randint(0, 40), "created_at": ts(k).replace(".000+08:00", "Z")[:19] + "Z",
            "updated_at": ts(k)[:19] + "Z", "closed_at": None, "author_association": R.choice(["MEMBER", "CONTRIBUTOR", "NONE"]),
            "reactions": {"total_count": R.randint(0, 20), "+1": R.randint(0, 10), "-1": 0, "laugh": 0, "heart": R.randint(0, 3)},
            "body": body}

issues = [issue(k) for k in range(60)]

FEED = ["春节档电影票房再创新高，多部影片口碑与票房齐飞。", "专家提醒：换季时节注意防寒保暖，老人和儿童尤其要注意。",
        "这家开在老街里的小面馆，二十年来只卖一种面，每天排队的人络绎不绝。", "新能源汽车下乡活动启动，多款车型推出限时优惠。",
        "周末去哪儿？城市周边十个适合亲子游的好去处推荐给你。", "手机拍照技巧：三个简单设置让你的照片更有质感。"]

def post(k):
    return {"postId": snowflake(), "type": R.choice(["article", "video", "gallery"]), "title": R.choice(FEED)[:18],
            "summary": "".join(R.choice(FEED) for _ in range(R.randint(1, 3))),
            "cover": f"https://cdn.example-news.cn/img/{R.randrange(10**8)}.webp?x-oss-process=image/resize,w_640",
            "author": {"uid": R.randrange(10**9), "nickname": R.choice(["小王爱旅行", "美食侦探", "科技早知道", "一只猫"]),
                       "avatar": f"https://cdn.example-news.cn/avatar/{R.randrange(10**6)}.jpg", "verified": R.random() < 0.3,
                       "ipLocation": R.choice(["浙江", "广东", "北京", "四川"])},
            "stats": {"views": R.randrange(10**6), "likes": R.randrange(10**4), "comments": R.randrange(2000), "shares": R.randrange(500)},
            "tags": R.sample(["美食", "旅行", "科技", "生活", "汽车", "影视", "健康"], 2),
            "publishTime": 1717000000 + R.randrange(10**7), "duration": R.choice([None, R.randint(15, 600)]),
            "score": round(R.random(), 6), "extra": {"abBucket": R.randint(0, 99), "recallSource": R.choice(["hot", "cf", "follow"]), "rankVersion": "v3.2.1"}}

feed = {"errno": 0, "errmsg": "", "logId": snowflake(), "data": {"hasMore": True, "cursor": "eyJwIjoyLCJ0IjoxNzE3fQ==", "items": [post(k) for k in range(150)]}}

for name, v in [("orders.json", orders), ("issues.json", issues), ("feed.json", feed)]:
    with open(name, "w", encoding="utf-8") as f:
        json.dump(v, f, ensure_ascii=False, separators=(",", ":") if name != "issues.json" else (", ", ": "))
