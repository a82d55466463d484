#!/usr/bin/env python3
"""Generate a realistic, messy customer export (customers.csv) for the CSV importer.

The file looks like what a sales team exports from Excel after years of hand entry: Chinese
headers, UTF-8 *with* a BOM, CRLF ("\\r\\n") line endings (the csv module's default, as Excel
writes them; a line break inside a quoted note stays a bare "\\n"), cells quoted only where needed
(notes with commas, quotes or line breaks, amounts with thousands separators). It is read with
``examples/data/customers.map.toml``.

Everything comes from ``random.Random(SEED)`` (no clock, no hash-ordered sets), so two runs with the
same ``--rows``/``--seed`` give byte-identical files. Standard library only.

Columns (in this order): 客户名称, 客户类型, 手机, 邮箱, 省份, 城市, 区县, 详细地址, 行业,
客户等级, 标签, 来源, 生日, 年采购额, 备注 (备注 is left unmapped by the mapping).

The mess, and roughly how much of it (proportions of all rows; measured values are printed
to stderr on every run):

* Rows: ~88% companies (客户类型 公司/企业/company/Company/单位), ~12% persons
  (个人/person/Person/自然人). 0.5% have no name at all; 1 in 1000 rows is entirely empty (an Excel artefact).
* Names: company names built from city + 字号 + industry word + 有限公司 / 股份有限公司 /
  有限责任公司 / 集团有限公司 / 集团 (also "字号行业（上海）有限公司" and "...分公司");
  ~2% use a Latin 字号 written in full-width letters (ＡＢＣ科技), ~5% have stray spaces
  (leading, trailing, doubled, ideographic U+3000).
* Phones (手机): ~10% blank; ~5% invalid (too short/long, a letter O for 0, 12345, 110...);
  the rest valid under libphonenumber's CN metadata: mobiles (13x, 15[0-35-9], 17[35-8], 18x,
  19[0-35-9], 11 digits) written as 13800138000, 138 0013 8000, 138-0013-8000,
  +86 138-0013-8000, +8613800138000, 0086 13800138000, (+86)13800138000 or in full-width
  digits; ~15% are landlines of the customer's city (021-5555-0101, 010 6552 8888,
  (0755)86001234, +86 21 5555 0101); ~8% of the valid cells hold two numbers separated by
  , ; ； 、 or |.
* Emails (邮箱): ~25% blank; ~4% invalid (name@, name@@x.com, no dot in the domain, no @,
  @x.com); the valid ones are mixed case (~30%), padded with spaces (~15%), a few with a
  full-width ＠ (folds to a valid address); ~5% hold two addresses.
* Addresses (省份/城市/区县/详细地址): the province/city/district triples below are real GB/T 2260
  divisions; each cell is written canonically (上海市, 浦东新区) or abbreviated (上海, 浦东).
  ~60% correct; ~30% wrong: a district of another city (杭州市 + 浦东新区, ~45% of the wrong
  ones), a misspelt city (杭洲市, ~30%), or the city left out with a district name that is not
  unique (鼓楼区 with no province and city, or 江苏省 + 鼓楼区, ~25%); ~10% leave the three
  cells blank and put the whole address in 详细地址 (上海市浦东新区张江路88号).
* Birthday (生日): ~50% blank; ~47% valid, written 1985-03-05, 1985/3/5, 1985.3.5,
  1985年3月5日 or 19850305; ~3% impossible dates (2026-02-30, 1985年13月1日, 1990/4/31).
* Annual spend (年采购额): ~12% blank; ~2% junk (面议, 1,23, 待定, 约5万, N/A); the rest
  as 125000, 1,250,000, 1,234,567.89, ¥1,234, ￥12,000.00, ¥ 8,000 or full-width digits.
* Duplicates: ~5% of rows are an earlier customer again: ~55% with the same phone in a
  different spelling, ~25% sharing only the email (another phone or none), ~20% a chain
  (A ~ B by email, B ~ C by phone in another spelling, C with a new email: one customer with
  three different contact details). In half of them the name gains or loses its legal suffix
  (有限公司) or its city prefix, so only a fuzzy name match would see it.
* Other columns: 行业 (制造, 零售, 教育, 医疗, 金融, 互联网, 物流, 餐饮; blank for most persons),
  客户等级 (A/B/C/VIP, ~5% blank), 标签 (0-3 of 重点, 华东, 老客户, 展会, ... separated by
  , ; ； 、 or |), 来源 (展会, 官网, 转介绍, 电话营销, 广告, ~5% blank), 备注 (~80% blank,
  some with commas, quotes and line breaks).

Usage: generate_customers.py [--rows N] [--out PATH] [--seed S]
"""

import argparse
import csv
import os
import sys
from random import Random

SEED = 20260305

HEADER = [
    "客户名称", "客户类型", "手机", "邮箱", "省份", "城市", "区县", "详细地址",
    "行业", "客户等级", "标签", "来源", "生日", "年采购额", "备注",
]

# (province, city, city pinyin, area code, local number length, [districts]).
# Real GB/T 2260 divisions only (checked against crm-core/data/gb2260.tsv). Municipalities are
# their own city. 上城区/拱墅区 are the post-2021 Hangzhou districts (下城区/江干区 are gone).
CITIES = [
    ("北京市", "北京市", "beijing", "10", 8, ["朝阳区", "海淀区", "东城区", "西城区", "丰台区"]),
    ("上海市", "上海市", "shanghai", "21", 8, ["浦东新区", "徐汇区", "静安区", "黄浦区", "闵行区", "长宁区"]),
    ("天津市", "天津市", "tianjin", "22", 8, ["和平区", "河西区", "滨海新区"]),
    ("重庆市", "重庆市", "chongqing", "23", 8, ["渝中区", "江北区", "渝北区"]),
    ("广东省", "广州市", "guangzhou", "20", 8, ["天河区", "越秀区", "海珠区", "番禺区"]),
    ("广东省", "深圳市", "shenzhen", "755", 8, ["南山区", "福田区", "宝安区", "龙岗区"]),
    ("浙江省", "杭州市", "hangzhou", "571", 8, ["西湖区", "滨江区", "上城区", "拱墅区"]),
    ("浙江省", "宁波市", "ningbo", "574", 8, ["鄞州区", "海曙区"]),
    ("江苏省", "南京市", "nanjing", "25", 8, ["鼓楼区", "玄武区", "建邺区"]),
    ("江苏省", "苏州市", "suzhou", "512", 8, ["姑苏区", "吴中区", "虎丘区"]),
    ("四川省", "成都市", "chengdu", "28", 8, ["武侯区", "锦江区", "青羊区"]),
    ("湖北省", "武汉市", "wuhan", "27", 8, ["洪山区", "江汉区", "武昌区"]),
    ("陕西省", "西安市", "xian", "29", 8, ["雁塔区", "碑林区"]),
    ("山东省", "济南市", "jinan", "531", 8, ["历下区"]),
    ("山东省", "青岛市", "qingdao", "532", 8, ["市南区", "崂山区"]),
    ("福建省", "厦门市", "xiamen", "592", 7, ["思明区", "湖里区"]),
    ("福建省", "福州市", "fuzhou", "591", 8, ["鼓楼区"]),
    ("湖南省", "长沙市", "changsha", "731", 8, ["岳麓区", "天心区"]),
    ("河南省", "郑州市", "zhengzhou", "371", 8, ["金水区"]),
    ("辽宁省", "沈阳市", "shenyang", "24", 8, ["和平区", "沈河区"]),
    ("辽宁省", "大连市", "dalian", "411", 8, ["中山区"]),
    ("安徽省", "合肥市", "hefei", "551", 8, ["蜀山区"]),
    ("吉林省", "长春市", "changchun", "431", 8, ["朝阳区"]),
    ("江西省", "南昌市", "nanchang", "791", 8, ["西湖区"]),
]
# Bigger cities are picked more often.
CITY_WEIGHTS = [10, 12, 4, 4, 9, 9, 8, 3, 6, 5, 6, 5, 4, 2, 3, 2, 2, 3, 2, 2, 2, 2, 1, 1]

# Districts that exist in only one city anywhere in GB/T 2260 (so not 南山区: 鹤岗市 has one
# too): safe to plant in another city as a "district not in its city" error.
UNIQUE_DISTRICTS = [
    "浦东新区", "海淀区", "徐汇区", "宝安区", "福田区", "天河区", "越秀区", "滨江区", "姑苏区",
    "武侯区", "洪山区", "雁塔区", "岳麓区", "渝中区", "思明区", "金水区", "历下区", "市南区",
    "鄞州区", "蜀山区", "崂山区", "江汉区",
]
# District names shared by several cities: without the city they cannot be resolved.
# (name, province where it is still ambiguous without a city, or None)
AMBIGUOUS = [
    ("鼓楼区", "江苏省"),   # 南京市, 徐州市 (and 福州市, 开封市)
    ("鼓楼区", None),
    ("和平区", None),       # 天津市, 沈阳市
    ("朝阳区", None),       # 北京市, 长春市
    ("西湖区", None),       # 杭州市, 南昌市
    ("江北区", None),       # 重庆市, 宁波市
    ("普陀区", None),       # 上海市, 舟山市
]
MISSPELT_CITY = {
    "北京市": "北惊市", "上海市": "尚海市", "天津市": "天律市", "重庆市": "重卿市",
    "广州市": "广洲市", "深圳市": "深川市", "杭州市": "杭洲市", "宁波市": "宁被市",
    "南京市": "南景市", "苏州市": "苏洲市", "成都市": "成督市", "武汉市": "武汗市",
    "西安市": "西按市", "济南市": "济男市", "青岛市": "清岛市", "厦门市": "夏门市",
    "福州市": "福洲市", "长沙市": "长纱市", "郑州市": "郑洲市", "沈阳市": "沉阳市",
    "大连市": "大莲市", "合肥市": "和肥市", "长春市": "常春市", "南昌市": "南唱市",
}
REGION_TAG = {
    "上海市": "华东", "江苏省": "华东", "浙江省": "华东", "安徽省": "华东", "福建省": "华东",
    "江西省": "华东", "山东省": "华东", "北京市": "华北", "天津市": "华北", "广东省": "华南",
    "湖北省": "华中", "湖南省": "华中", "河南省": "华中", "四川省": "西南", "重庆市": "西南",
    "陕西省": "西北", "辽宁省": "东北", "吉林省": "东北",
}

STREETS = [
    "人民路", "中山路", "解放路", "建设路", "长江路", "黄河路", "科技路", "创业路", "学院路",
    "文化路", "新华路", "和平路", "胜利路", "东风路", "光明路", "花园路", "青年路", "工业路",
    "滨河路", "迎宾大道", "高新大道", "世纪大道", "金融街", "朝阳街", "体育路", "幸福路",
]
BUILDINGS = ["国际大厦", "科技大厦", "金融中心", "商务中心", "创新园", "广场", "大厦", "产业园"]

# (字号, pinyin)
BRANDS = [
    ("华信", "huaxin"), ("恒达", "hengda"), ("鼎盛", "dingsheng"), ("瑞丰", "ruifeng"),
    ("金桥", "jinqiao"), ("博远", "boyuan"), ("天成", "tiancheng"), ("宏图", "hongtu"),
    ("新锐", "xinrui"), ("卓越", "zhuoyue"), ("中联", "zhonglian"), ("汇通", "huitong"),
    ("嘉禾", "jiahe"), ("永安", "yongan"), ("明辉", "minghui"), ("志远", "zhiyuan"),
    ("联创", "lianchuang"), ("安泰", "antai"), ("润泽", "runze"), ("凯达", "kaida"),
    ("盛世", "shengshi"), ("百川", "baichuan"), ("星辰", "xingchen"), ("云帆", "yunfan"),
    ("智联", "zhilian"), ("启明", "qiming"), ("东方", "dongfang"), ("海纳", "haina"),
    ("同创", "tongchuang"), ("泰和", "taihe"), ("鸿运", "hongyun"), ("顺达", "shunda"),
    ("信诚", "xincheng"), ("蓝海", "lanhai"), ("正源", "zhengyuan"), ("华宇", "huayu"),
    ("德诚", "decheng"), ("优品", "youpin"), ("恒信", "hengxin"), ("锦程", "jincheng"),
    ("万通", "wantong"), ("众合", "zhonghe"), ("立信", "lixin"), ("金鼎", "jinding"),
    ("飞扬", "feiyang"), ("和润", "herun"), ("宝丰", "baofeng"), ("荣盛", "rongsheng"),
    ("远航", "yuanhang"), ("晨光", "chenguang"), ("易达", "yida"), ("精工", "jinggong"),
    ("合众", "hezhong"), ("聚力", "juli"), ("兴业", "xingye"), ("福瑞", "furui"),
]
LATIN_BRANDS = ["ABC", "HBT", "JYK", "XYZ", "KDS", "MX", "UTC", "GLX", "QPC", "TCM"]

# industry → [(word in the name, domain tag)]
INDUSTRIES = {
    "制造": [("机械", "machinery"), ("精密制造", "precision"), ("电子", "elec"), ("新材料", "materials")],
    "零售": [("商贸", "trade"), ("百货", "store"), ("贸易", "trading"), ("便利连锁", "mart")],
    "教育": [("教育科技", "edu"), ("教育咨询", "education"), ("培训", "training")],
    "医疗": [("医疗器械", "med"), ("医药", "pharma"), ("健康科技", "health")],
    "金融": [("投资管理", "invest"), ("融资租赁", "leasing"), ("财务咨询", "finance")],
    "互联网": [("网络科技", "tech"), ("信息技术", "it"), ("软件", "soft"), ("数字科技", "digital")],
    "物流": [("物流", "logistics"), ("供应链管理", "scm"), ("货运代理", "freight")],
    "餐饮": [("餐饮管理", "food"), ("食品", "foods")],
}
INDUSTRY_NAMES = list(INDUSTRIES)
INDUSTRY_WEIGHTS = [18, 14, 9, 9, 7, 16, 10, 6]
SUFFIXES = [("有限公司", 50), ("股份有限公司", 10), ("有限责任公司", 8), ("集团有限公司", 8),
            ("集团", 4), ("科技有限公司", 10), ("分公司", 5), ("（城市）有限公司", 5)]

SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
    ("高", "gao"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("欧阳", "ouyang"),
]
GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("英", "ying"), ("华", "hua"), ("建", "jian"), ("文", "wen"),
    ("晨", "chen"), ("宇", "yu"), ("浩", "hao"), ("婷", "ting"), ("欣", "xin"), ("怡", "yi"),
    ("子", "zi"), ("涵", "han"), ("轩", "xuan"), ("博", "bo"), ("雪", "xue"), ("佳", "jia"),
    ("琳", "lin"), ("海", "hai"), ("鹏", "peng"), ("辉", "hui"),
]
ROLE_MAILBOXES = ["sales", "info", "contact", "service", "purchase", "admin", "market", "hr", "bd", "cs"]
PERSONAL_DOMAINS = ["163.com", "126.com", "qq.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com"]

# Mobile prefixes that libphonenumber's CN metadata accepts (1[38]\d, 15[0-35-9],
# 17[0-35-8], 19[0-35-9], all with 11 digits).
MOBILE_PREFIXES = (
    ["130", "131", "132", "133", "135", "136", "137", "138", "139"] * 3
    + ["150", "151", "152", "153", "155", "156", "157", "158", "159"] * 2
    + ["173", "175", "176", "177", "178"]
    + ["180", "181", "182", "183", "185", "186", "187", "188", "189"] * 2
    + ["191", "193", "195", "198", "199"]
)
SEPARATORS = [",", ";", "；", "、", "|", ", ", " | "]

TAGS = ["重点", "老客户", "新客户", "展会", "潜在", "大客户", "合作伙伴", "待跟进", "续约", "VIP候选"]
LEVELS = ["A", "B", "C", "VIP"]
SOURCES = ["展会", "官网", "转介绍", "电话营销", "广告"]
NOTES = [
    "需要回访", "已发报价单", "年底有采购计划", "对价格敏感", "老板直接对接", "上次拜访：聊了新品",
    "客户要求开增值税专用发票", "联系人已离职，待确认新联系人", "重复录入？请核对",
    "付款周期长，注意回款", "从旧系统导入", "展会上留的名片", "周末勿扰",
    "客户说\"下个月再联系\"", "地址已变更，见详细地址", "介绍人：王经理, 华东区",
    "第一次沟通：有意向\n第二次沟通：在比价", "重要客户，\"VIP\"待审批",
]
JUNK_SPEND = ["面议", "1,23", "待定", "约5万", "N/A", "—", "12.000,50", "不详"]


def fullwidth(text):
    """ASCII → full-width forms (digits, letters, punctuation; space → U+3000)."""
    out = []
    for ch in text:
        o = ord(ch)
        if ch == " ":
            out.append("\u3000")
        elif 0x21 <= o <= 0x7E:
            out.append(chr(o + 0xFEE0))
        else:
            out.append(ch)
    return "".join(out)


def abbreviate(name):
    """上海市 → 上海, 浦东新区 → 浦东, 广东省 → 广东 (what people type)."""
    for suffix in ("新区", "省", "市", "区"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class Generator:
    def __init__(self, rng):
        self.r = rng
        self.used_names = set()
        self.used_phones = set()
        self.used_emails = set()
        self.used_domains = set()
        self.decks = {}
        self.stats = {k: 0 for k in (
            "company", "person", "no_name", "empty_row", "fw_name", "spaced_name",
            "phone_blank", "phone_invalid", "phone_landline", "phone_multi",
            "email_blank", "email_invalid", "email_multi",
            "addr_ok", "addr_wrong_district", "addr_misspelt_city", "addr_ambiguous", "addr_whole",
            "bday_blank", "bday_bad", "spend_blank", "spend_junk",
            "dup_phone", "dup_email", "dup_chain", "dup_name_changed",
        )}

    # ---------------------------------------------------------------- helpers
    def pick(self, seq):
        return self.r.choice(seq)

    def draw(self, key, table):
        """Stratified draw: labels come from a shuffled deck of 100 cards holding each label
        as many times as its weight, so every 100 draws hit the proportions exactly."""
        deck = self.decks.get(key)
        if not deck:
            deck = [label for label, n in table for _ in range(n)]
            self.r.shuffle(deck)
            self.decks[key] = deck
        return deck.pop()

    def chance(self, p):
        return self.r.random() < p

    def weighted(self, items, weights):
        return self.r.choices(items, weights=weights)[0]

    # ---------------------------------------------------------------- phones
    def new_mobile(self):
        while True:
            n = self.pick(MOBILE_PREFIXES) + "".join(str(self.r.randrange(10)) for _ in range(8))
            if n not in self.used_phones:
                self.used_phones.add(n)
                return ("m", n)

    def new_landline(self, city):
        area, length = city[3], city[4]
        while True:
            local = str(self.r.choice([2, 3, 5, 6, 8])) + "".join(
                str(self.r.randrange(10)) for _ in range(length - 1))
            key = area + local
            if area in ("10", "21") and local.startswith("800"):
                continue        # 010/021 8xx numbers need a non-zero 5th digit (libphonenumber)
            if key not in self.used_phones:
                self.used_phones.add(key)
                return ("l", area, local)

    def spell_phone(self, phone, avoid=None):
        """One of many human spellings; avoid = a style index not to use again."""
        if phone[0] == "m":
            n = phone[1]
            styles = [
                lambda: n,
                lambda: f"{n[:3]} {n[3:7]} {n[7:]}",
                lambda: f"{n[:3]}-{n[3:7]}-{n[7:]}",
                lambda: f"+86 {n[:3]}-{n[3:7]}-{n[7:]}",
                lambda: f"+86 {n}",
                lambda: f"+86{n}",
                lambda: f"0086 {n}",
                lambda: f"(+86){n}",
                lambda: fullwidth(n),
                lambda: fullwidth(f"+86 {n[:3]} {n[3:7]} {n[7:]}"),
            ]
            weights = [30, 14, 12, 8, 6, 5, 5, 5, 3, 2]
        else:
            a, loc = phone[1], phone[2]
            h = len(loc) - 4
            styles = [
                lambda: f"0{a}-{loc}",
                lambda: f"0{a}-{loc[:h]}-{loc[h:]}",
                lambda: f"0{a} {loc[:h]} {loc[h:]}",
                lambda: f"(0{a}){loc}",
                lambda: f"+86 {a} {loc[:h]} {loc[h:]}",
                lambda: f"0{a}{loc}",
                lambda: fullwidth(f"0{a}-{loc}"),
            ]
            weights = [30, 15, 15, 10, 10, 10, 3]
        while True:
            i = self.weighted(range(len(styles)), weights)
            if i != avoid:
                return styles[i](), i

    def invalid_phone(self):
        n = self.pick(MOBILE_PREFIXES) + "".join(str(self.r.randrange(10)) for _ in range(8))
        kind = self.r.randrange(7)
        if kind == 0:
            return n[:10]                      # one digit short
        if kind == 1:
            return n + str(self.r.randrange(10))  # one digit too many
        if kind == 2:
            return n[:4] + "O" + n[5:]         # letter O for zero
        if kind == 3:
            return self.pick(["12345", "123456", "00000000", "1", "-"])
        if kind == 4:
            return "110" + n[3:]               # no such mobile prefix
        if kind == 5:
            return f"021-555-{n[-3:]}"         # landline too short
        return n[:3] + "-" + n[3:7] + "-" + n[7:10] + "x"

    # ---------------------------------------------------------------- emails
    def new_email(self, entity):
        while True:
            if entity["person"]:
                sp, gp = entity["pinyin"]
                form = self.r.randrange(5)
                if form == 0:
                    local = f"{gp}{sp}{self.r.randrange(10, 100)}"
                elif form == 1:
                    local = f"{sp}.{gp}"
                elif form == 2:
                    local = str(self.r.randrange(10_000_000, 3_000_000_000))
                    e = f"{local}@qq.com"
                    if e not in self.used_emails:
                        self.used_emails.add(e)
                        return e
                    continue
                elif form == 3:
                    local = f"{sp}{gp}{self.r.randrange(70, 100)}"
                else:
                    local = f"{gp}_{sp}"
                e = f"{local}@{self.pick(PERSONAL_DOMAINS)}"
            else:
                if self.chance(0.6):
                    local = self.pick(ROLE_MAILBOXES)
                else:
                    sp = self.pick(SURNAMES)[1]
                    gp = self.pick(GIVEN)[1]
                    local = self.pick([f"{sp}{gp}", f"{sp}.{gp}", f"{gp}.{sp}", f"{sp}_{gp}"])
                e = f"{local}@{entity['domain']}"
            if e not in self.used_emails:
                self.used_emails.add(e)
                return e

    def company_domain(self, brand_py, ind_tag, city_py):
        tld = self.weighted([".com", ".com.cn", ".cn", ".net"], [55, 25, 15, 5])
        for stem in (f"{brand_py}{ind_tag}", f"{brand_py}-{ind_tag}", f"{brand_py}{city_py}",
                     f"{city_py}{brand_py}{ind_tag}"):
            if stem + tld not in self.used_domains:
                self.used_domains.add(stem + tld)
                return stem + tld
        i = 2
        while f"{brand_py}{ind_tag}{i}{tld}" in self.used_domains:
            i += 1
        self.used_domains.add(f"{brand_py}{ind_tag}{i}{tld}")
        return f"{brand_py}{ind_tag}{i}{tld}"

    def spell_email(self, e):
        if self.chance(0.30):
            local, domain = e.split("@")
            style = self.r.randrange(3)
            if style == 0:
                e = local.capitalize() + "@" + domain
            elif style == 1:
                e = e.upper()
            else:
                e = local.capitalize() + "@" + domain[:1].upper() + domain[1:]
        if self.chance(0.005):
            e = e.replace("@", "＠")
        if self.chance(0.15):
            e = self.pick([" ", "  ", "\u3000", "\t"]) + e if self.chance(0.5) else e + self.pick([" ", "  "])
        return e

    def invalid_email(self, entity):
        local = entity["pinyin"][0] if entity["person"] else self.pick(ROLE_MAILBOXES)
        domain = entity["domain"] if not entity["person"] else self.pick(PERSONAL_DOMAINS)
        kind = self.r.randrange(6)
        if kind == 0:
            return f"{local}@"
        if kind == 1:
            return f"{local}@@{domain}"
        if kind == 2:
            return f"{local}@{domain.replace('.', '')}"     # no dot in the domain
        if kind == 3:
            return f"{local}.{domain}"                        # no @
        if kind == 4:
            return f"@{domain}"
        return f"{local}@{domain.split('.')[0]}"

    # ---------------------------------------------------------------- names
    def new_entity(self):
        r = self.r
        city = self.weighted(CITIES, CITY_WEIGHTS)
        district = self.pick(city[5])
        ent = {"city": city, "district": district, "person": self.chance(0.12)}
        if ent["person"]:
            while True:
                s = self.weighted(SURNAMES, [1] * (len(SURNAMES) - 1) + [0.3])
                g = [self.pick(GIVEN) for _ in range(1 if self.chance(0.35) else 2)]
                name = s[0] + "".join(c for c, _ in g)
                if name not in self.used_names:
                    break
            self.used_names.add(name)
            ent.update(name=name, pinyin=(s[1], "".join(p for _, p in g)), industry="",
                       domain=None, variants=[name])
            return ent
        while True:
            industry = self.weighted(INDUSTRY_NAMES, INDUSTRY_WEIGHTS)
            word, tag = self.pick(INDUSTRIES[industry])
            latin = self.chance(0.025)
            if latin:
                brand = self.pick(LATIN_BRANDS)
                brand_py = brand.lower()
            else:
                brand, brand_py = self.pick(BRANDS)
            suffix = self.weighted([s for s, _ in SUFFIXES], [w for _, w in SUFFIXES])
            cshort = abbreviate(city[1])
            if suffix == "科技有限公司":
                if "科技" in word:
                    suffix = "有限公司"
                    full = f"{cshort}{brand}{word}有限公司"
                else:
                    word, tag = "科技", "tech"
                    full = f"{cshort}{brand}科技有限公司"
                bare = f"{brand}{word}"
            elif suffix == "分公司":
                full = f"{brand}{word}有限公司{cshort}分公司"
                bare = f"{brand}{word}{cshort}分公司"
            elif suffix == "（城市）有限公司":
                full = f"{brand}{word}（{cshort}）有限公司"
                bare = f"{brand}{word}"
            else:
                full = (cshort if self.chance(0.75) else "") + f"{brand}{word}{suffix}"
                bare = full[: -len(suffix)] if suffix != "集团" else full + "有限公司"
            if full not in self.used_names and bare not in self.used_names:
                break
        self.used_names.add(full)
        self.used_names.add(bare)
        if latin and self.chance(0.75):
            full, bare = full.replace(brand, fullwidth(brand)), bare.replace(brand, fullwidth(brand))
        # variants a duplicate may use: with/without the legal suffix or the city prefix
        variants = [full, bare]
        if full.startswith(cshort) and len(full) > len(cshort) + 4:
            variants.append(full[len(cshort):])
        ent.update(name=full, pinyin=None, industry=industry,
                   domain=self.company_domain(brand_py, tag, city[2]),
                   variants=variants)
        return ent

    def mess_name(self, name):
        if not name:
            return name
        if self.chance(0.05):
            self.stats["spaced_name"] += 1
            k = self.r.randrange(5)
            if k == 0:
                return " " + name
            if k == 1:
                return name + " "
            if k == 2:
                i = self.r.randrange(1, len(name))
                return name[:i] + "  " + name[i:]
            if k == 3:
                return "\u3000" + name
            i = min(2, len(name) - 1)
            return name[:i] + " " + name[i:]
        return name

    # ---------------------------------------------------------------- address
    def detail(self):
        n = self.r.randrange(1, 1200)
        num = str(n) if self.chance(0.95) else fullwidth(str(n))
        street = self.pick(STREETS)
        k = self.r.randrange(5)
        if k == 0:
            return f"{street}{num}号"
        if k == 1:
            return f"{street}{num}号{self.r.randrange(1, 12)}栋{self.r.randrange(1, 30)}0{self.r.randrange(1, 9)}室"
        if k == 2:
            return f"{street}{num}号{self.pick(BUILDINGS)}{self.r.randrange(2, 40)}楼"
        if k == 3:
            return f"{street}{self.r.randrange(1, 900)}弄{self.r.randrange(1, 60)}号"
        return f"{street}{num}号{self.pick(BUILDINGS)}{self.pick('ABCD')}座{self.r.randrange(2, 30)}0{self.r.randrange(1, 9)}"

    def spell_div(self, name, p_abbrev=0.35):
        return abbreviate(name) if self.chance(p_abbrev) else name

    def address(self, ent, mode=None):
        """→ (province, city, district, detail, mode)."""
        city = ent["city"]
        prov, cname, dist = city[0], city[1], ent["district"]
        det = ent.setdefault("detail", self.detail())
        if mode is None:
            mode = self.draw("address", [("whole", 10), ("wrong", 30), ("ok", 60)])
        if mode == "whole":
            self.stats["addr_whole"] += 1
            k = self.r.randrange(5)
            if prov == cname:
                head = [prov + dist, abbreviate(prov) + dist, f"{abbreviate(prov)} {dist}",
                        f"{prov} {dist} ", prov + dist][k]
            else:
                head = [prov + cname + dist, abbreviate(prov) + abbreviate(cname) + dist,
                        cname + dist, f"{prov} {cname} {dist} ", abbreviate(prov) + cname + dist][k]
            return "", "", "", head + det, mode
        if mode == "wrong":
            y = self.draw("wrong", [("district", 9), ("city", 6), ("ambiguous", 5)])
            if y == "district":
                self.stats["addr_wrong_district"] += 1
                others = [d for d in UNIQUE_DISTRICTS if d not in city[5]]
                return (self.spell_div(prov), self.spell_div(cname),
                        self.spell_div(self.pick(others)), det, "wrong")
            if y == "city":
                self.stats["addr_misspelt_city"] += 1
                bad = MISSPELT_CITY[cname]
                return (self.spell_div(prov), self.spell_div(bad), self.spell_div(dist), det, "wrong")
            self.stats["addr_ambiguous"] += 1
            d, p = self.pick(AMBIGUOUS)
            return (self.spell_div(p) if p else "", "", self.spell_div(d, 0.2), det, "wrong")
        self.stats["addr_ok"] += 1
        p_out = self.spell_div(prov)
        c_out = self.spell_div(cname)
        d_out = self.spell_div(dist)
        if self.chance(0.04):
            p_out = ""          # province left out, city given: still resolvable
        if self.chance(0.03):
            d_out = d_out + " "
        return p_out, c_out, d_out, det, mode

    # ---------------------------------------------------------------- other cells
    def birthday(self):
        x = self.draw("birthday", [("blank", 50), ("bad", 3), ("ok", 47)])
        if x == "blank":
            self.stats["bday_blank"] += 1
            return ""
        if x == "bad":
            self.stats["bday_bad"] += 1
            y = self.r.randrange(1955, 2005)
            return self.pick([f"{y}-02-30", f"{y}年13月1日", f"{y}/4/31", f"{y}0230",
                              f"{y}.00.12", f"{y}-06-31", f"{y}年2月30日", f"{y}/13/2"])
        y = self.r.randrange(1955, 2005)
        m = self.r.randrange(1, 13)
        d = self.r.randrange(1, 29 if m == 2 else 31 if m in (4, 6, 9, 11) else 32)
        return self.weighted([
            f"{y:04d}-{m:02d}-{d:02d}", f"{y}/{m}/{d}", f"{y}.{m}.{d}",
            f"{y}年{m}月{d}日", f"{y:04d}{m:02d}{d:02d}",
        ], [35, 20, 10, 25, 10])

    def spend(self, person):
        x = self.draw("spend", [("blank", 12), ("junk", 2), ("ok", 86)])
        if x == "blank":
            self.stats["spend_blank"] += 1
            return ""
        if x == "junk":
            self.stats["spend_junk"] += 1
            return self.pick(JUNK_SPEND)
        lo, hi = (2_000, 300_000) if person else (20_000, 50_000_000)
        v = lo * (hi / lo) ** self.r.random()
        i = int(round(v, -2)) if v > 10_000 else int(v)
        cents = self.r.randrange(100)
        return self.weighted([
            f"{i}", f"{i:,}", f"{i:,}.{cents:02d}", f"¥{i:,}", f"￥{i:,}.00", f"{i}.{cents:02d}",
            fullwidth(str(i)), f"¥ {i:,}",
        ], [25, 25, 15, 12, 5, 8, 5, 5])

    def tags(self, ent):
        if self.chance(0.30):
            return ""
        chosen = []
        if self.chance(0.4):
            chosen.append(REGION_TAG[ent["city"][0]])
        for _ in range(self.r.randrange(1, 3)):
            t = self.pick(TAGS)
            if t not in chosen:
                chosen.append(t)
        return self.pick(SEPARATORS).join(chosen)

    def kind_cell(self, person):
        if person:
            return self.weighted(["个人", "person", "自然人", "Person"], [75, 15, 7, 3])
        return self.weighted(["公司", "企业", "company", "单位", "Company"], [60, 18, 14, 5, 3])

    # ---------------------------------------------------------------- rows
    def contacts(self, ent):
        """The phone and email cells for a new customer; records the valid ones on ent."""
        x = self.draw("phone", [("blank", 10), ("invalid", 5), ("valid", 85)])
        ent["phones"], ent["emails"] = [], []
        if x == "blank":
            self.stats["phone_blank"] += 1
            phone_cell = ""
        elif x == "invalid":
            self.stats["phone_invalid"] += 1
            phone_cell = self.invalid_phone()
        else:
            first = self.new_landline(ent["city"]) if self.chance(0.15) else self.new_mobile()
            ent["phones"].append(first)
            if first[0] == "l":
                self.stats["phone_landline"] += 1
            text, style = self.spell_phone(first)
            ent["phone_style"] = style
            if self.chance(0.08):
                self.stats["phone_multi"] += 1
                second = self.new_mobile() if first[0] == "l" or self.chance(0.5) else self.new_landline(ent["city"])
                ent["phones"].append(second)
                text = text + self.pick(SEPARATORS) + self.spell_phone(second)[0]
            phone_cell = text
        y = self.draw("email", [("blank", 25), ("invalid", 4), ("valid", 71)])
        if y == "blank":
            self.stats["email_blank"] += 1
            email_cell = ""
        elif y == "invalid":
            self.stats["email_invalid"] += 1
            email_cell = self.invalid_email(ent)
        else:
            e = self.new_email(ent)
            ent["emails"].append(e)
            email_cell = self.spell_email(e)
            if self.chance(0.05):
                self.stats["email_multi"] += 1
                e2 = self.new_email(ent)
                ent["emails"].append(e2)
                email_cell = email_cell.strip() + self.pick(SEPARATORS) + self.spell_email(e2).strip()
        return phone_cell, email_cell

    def row(self, ent, phone_cell, email_cell, addr_mode=None, name=None):
        person = ent["person"]
        self.stats["person" if person else "company"] += 1
        if name is None:
            name = ent["name"]
        if self.draw("name", [("none", 1), ("named", 199)]) == "none":
            self.stats["no_name"] += 1
            name = ""
        if "\uff21" <= name[:1] <= "\uff3a" or any("\uff21" <= c <= "\uff3a" for c in name):
            self.stats["fw_name"] += 1
        name = self.mess_name(name)
        prov, city, dist, det, _ = self.address(ent, addr_mode)
        industry = "" if person and self.chance(0.9) else (ent["industry"] or self.weighted(INDUSTRY_NAMES, INDUSTRY_WEIGHTS))
        level = "" if self.chance(0.05) else self.weighted(LEVELS, [25, 40, 25, 10])
        source = "" if self.chance(0.05) else self.weighted(SOURCES, [25, 25, 20, 18, 12])
        note = "" if self.chance(0.80) else self.pick(NOTES)
        return [name, self.kind_cell(person), phone_cell, email_cell, prov, city, dist, det,
                industry, level, self.tags(ent), source, self.birthday(), self.spend(person), note]

    def duplicate(self, pool, email_dups):
        """A row for a customer already in the file (pool: entities with a valid phone/email)."""
        r = self.r
        x = r.random()
        if x < 0.20 and email_dups:
            # chain: an earlier email-only duplicate again, by its (new) phone, with a new email
            self.stats["dup_chain"] += 1
            ent = email_dups.pop(self.r.randrange(len(email_dups)))
            phone = ent["dup_phone"]
            phone_cell = self.spell_phone(phone, ent.get("dup_phone_style"))[0]
            email_cell = self.spell_email(self.new_email(ent))
        elif x < 0.45:
            self.stats["dup_email"] += 1
            candidates = [e for e in pool if e["emails"] and not e.get("dupped")]
            ent = self.pick(candidates)
            ent["dupped"] = True
            if self.chance(0.7):
                phone = self.new_mobile()
                ent["dup_phone"] = phone
                phone_cell, ent["dup_phone_style"] = self.spell_phone(phone)
                email_dups.append(ent)
            else:
                phone_cell = ""
            e = ent["emails"][0]
            email_cell = self.spell_email(e)
            if email_cell == e and self.chance(0.6):
                email_cell = e.upper() if self.chance(0.5) else " " + e
        else:
            self.stats["dup_phone"] += 1
            candidates = [e for e in pool if e["phones"] and not e.get("dupped")]
            ent = self.pick(candidates)
            ent["dupped"] = True
            phone_cell = self.spell_phone(ent["phones"][0], ent.get("phone_style"))[0]
            if ent["emails"] and self.chance(0.5):
                email_cell = self.spell_email(ent["emails"][0])
            else:
                email_cell = ""
        name = ent["name"]
        if self.chance(0.5) and len(ent["variants"]) > 1:
            self.stats["dup_name_changed"] += 1
            name = self.pick(ent["variants"][1:])
        return self.row(ent, phone_cell, email_cell, name=name)


def generate(rows, seed):
    r = Random(seed)
    g = Generator(r)
    n_dup = round(rows * 0.05)
    n_empty = rows // 1000
    positions = list(range(60, rows))
    r.shuffle(positions)
    dup_at = set(positions[:n_dup])
    empty_at = set(positions[n_dup:n_dup + n_empty])
    pool, email_dups, out = [], [], []
    for i in range(rows):
        if i in empty_at:
            g.stats["empty_row"] += 1
            out.append([""] * len(HEADER))
        elif i in dup_at:
            out.append(g.duplicate(pool, email_dups))
        else:
            ent = g.new_entity()
            phone_cell, email_cell = g.contacts(ent)
            out.append(g.row(ent, phone_cell, email_cell))
            if ent["phones"] or ent["emails"]:
                pool.append(ent)
    return out, g.stats


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=3000, help="data rows to write (default 3000)")
    ap.add_argument("--out", default=os.path.join(here, "customers.csv"),
                    help="output file (default: customers.csv next to this script)")
    ap.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    args = ap.parse_args(argv)
    if args.rows < 100:
        ap.error("--rows must be at least 100")
    rows, s = generate(args.rows, args.seed)
    # utf-8-sig writes the BOM; the csv module ends every record with \r\n (Excel's way);
    # line breaks inside a quoted note stay \n.
    with open(args.out, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        w.writerows(rows)
    n = args.rows
    # blank contact cells as written (duplicates included), not just as drawn for new customers
    s["phone_blank"] = sum(1 for row in rows if any(row) and not row[2].strip())
    s["email_blank"] = sum(1 for row in rows if any(row) and not row[3].strip())
    pct = lambda k: f"{100.0 * s[k] / n:.1f}%"
    wrong = s["addr_wrong_district"] + s["addr_misspelt_city"] + s["addr_ambiguous"]
    dups = s["dup_phone"] + s["dup_email"] + s["dup_chain"]
    print(
        f"{args.out}: {n} rows (persons {pct('person')}, empty {s['empty_row']}); "
        f"phone blank {pct('phone_blank')} invalid {pct('phone_invalid')}; "
        f"email blank {pct('email_blank')} invalid {pct('email_invalid')}; "
        f"address wrong {100.0 * wrong / n:.1f}% whole-in-detail {pct('addr_whole')}; "
        f"birthday blank {pct('bday_blank')} impossible {pct('bday_bad')}; "
        f"spend blank {pct('spend_blank')} junk {pct('spend_junk')}; "
        f"duplicates {100.0 * dups / n:.1f}% (phone {s['dup_phone']}, email {s['dup_email']}, "
        f"chain {s['dup_chain']}, renamed {s['dup_name_changed']})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
