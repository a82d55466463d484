//! Company names as a Chinese CRM holds them, for the duplicate-check benchmarks: about six in ten
//! Chinese (city, brand, trade, legal form, sometimes the city in brackets after the brand), the
//! rest Latin (one or two brand words, a trade, a legal form), with common cities and trades far
//! more frequent than rare ones. Deterministic, so every run measures the same organisation.

use crate::customer::dedup::customer_keys;
use crate::customer::Customer;
use crate::error::Result;
use crate::settings::OrgSettings;
use crate::store::{self, Store};
use chrono::{DateTime, Utc};

const CITIES: &[&str] = &[
    "北京",
    "上海",
    "深圳",
    "广州",
    "杭州",
    "成都",
    "武汉",
    "南京",
    "苏州",
    "天津",
    "重庆",
    "西安",
    "长沙",
    "郑州",
    "青岛",
    "宁波",
    "厦门",
    "合肥",
    "济南",
    "福州",
    "东莞",
    "佛山",
    "无锡",
    "大连",
    "沈阳",
    "昆明",
    "南昌",
    "贵阳",
    "南宁",
    "石家庄",
    "太原",
    "哈尔滨",
    "长春",
    "兰州",
    "温州",
    "珠海",
    "中山",
    "常州",
    "徐州",
    "烟台",
    "泉州",
    "嘉兴",
    "绍兴",
    "金华",
    "台州",
    "扬州",
    "南通",
    "惠州",
    "汕头",
    "海口",
];

/// Characters brands favour; a brand is two characters, each from these or from `COMMON_CHARS`.
const BRAND_CHARS: &str = "星辰华泰鑫盛恒达安信永利丰源宏远中天金海瑞祥博创新隆兴嘉德明阳光辉万通汇联\
    正大同合富美康健力宇航云峰山川林森东方南北西国际长城世纪凯旋百胜精工致诚信和润泽晨曦普惠卓越领先\
    智慧腾飞跃龙凤麒麟鹏程锦绣春秋雅静思远志高启明晶鼎立群英豪杰俊彦弘毅宁远广厚仁义礼";

/// Any of the 3,755 most common characters (GB2312 level 1, a seeded sample): brands are not
/// only made of auspicious ones.
const COMMON_CHARS: &str = "好深卿滇垃示霓斯删柴逝爸踪韵氖唤取捍嘎细南侵运曲蔫两损昭墩邯诉囤疹齐俐薪斑凸羊搽儿绚设彬浆瑶甭郁\
    珍绘馁慎峡旨吏犀伊沦链襄阴僧媚叼啄盔锤闭调胖顾环突谩样私蘸淄侣篇跃理散考呛上凌商含距弯备站疾势透\
    尉帆问招镜勤洒褥从溪陶钩俗苑叁卉既等茶拧沾孙脓绸峻音蝉留吨绑检纶严漏郑挡兵拭赎巡丙捞辖稍救组峙及\
    疲夯敝较熬陈淬虱抢泵纲灵笺寿煌鹅桅别枕眷洁库叮赵治廊摩睁七李苔臻生袜让赐耍勇譬活码溯吓喜郝赚忙桓\
    沏酱酋鹃跋衣种珊戒众狼曙舌嗽奠槽速死疚木磕唾棵室戊集携爬胞舍草退傍扩葫嗣敏舰坐蚀靳峰狂抚桔仔职蚤\
    支恍僵医郎粗艳由北逐碗肖靛叫烹光涛樱兹浩净赴驮蔓探稳炊词时荆驹颓钥龟锚踊纺澄筑欣汤剐乳棉浑轨壹岛\
    蓖迁妇藉盈允杂丧服籍绢颖渊它冲迎数骏肇缔撰间曝邑豁母咯塑掳嫁录辱琉痹隆峨糕按撵曰谁贫馒嚷祖灌鼻形\
    悯蓄挑胸期钾氢掘滚阐赊夹刀咏恨窒币引味瓶篙洛准帛最柠型倒肺砒涧喝粤膀企瞧拢部枢代倔堤弧卒碾用药侧\
    坷观纸悼羌迂党诽荷蚁圾蝇蒂翱欧伺润潦脖宣政喉汇束泣戚律驳浊鲸扬皑才殃狄并瞪舆昌扭笔夕崇铺朋怕借娥\
    姐超拷专滩傈烧礁夸辉缚究锣蹬嫡却隘铣闲乐肄轧肉逢孜拦抹世喳要秦赢随姻濒水蚂簿蓝肆袍熏污责驴胃露缨\
    瓣亨挂橇婚渭摄永卵栅抡掂倍静澜匀姨蝗导亩惟得象恬仟乙榔桐村宵襟戎潜聪哨隙暗能陡制焰砾钟淤础蓉纯体\
    滥缝保御祷鲍耽土宁瘟计啥渐瞅弊咽日苹钎习号崔劝熊绰全策屈经茸夫趁涸凤坍呼秒署涡酗怜虎愧尸粱抗雀荫\
    耻缆澎焊笼兄二诊为赠喧晒兔朴腕浓指挞镣缎法幢赔匈";

const TRADES: &[&str] = &[
    "科技",
    "贸易",
    "电子",
    "信息技术",
    "实业",
    "网络科技",
    "生物医药",
    "机械",
    "建设工程",
    "餐饮管理",
    "文化传媒",
    "物流",
    "新能源",
    "教育咨询",
    "房地产开发",
    "服饰",
    "食品",
    "化工",
    "汽车销售",
    "医疗器械",
    "软件",
    "广告",
    "环保科技",
    "智能科技",
    "投资管理",
    "供应链管理",
    "农业发展",
    "家居",
    "印刷",
    "包装材料",
];

const CN_FORMS: &[&str] = &[
    "有限公司",
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "公司",
    "",
];

const SYLLABLES: &[&str] = &[
    "ac", "me", "glo", "bex", "ini", "tech", "um", "bre", "lla", "sun", "ri", "ver", "sum", "mit",
    "no", "va", "ter", "ra", "pi", "nna", "cle", "ar", "blu", "ston", "field", "gate", "wood",
    "ly", "an", "son", "berg", "ton", "cor", "vex", "zen", "qua", "lux", "max", "pro", "sta", "el",
    "io", "ka", "ro", "mi", "do", "fa", "sol", "mar", "tis", "hal", "ber", "gen", "dri", "ko",
    "pel", "vin", "ster", "ham", "ley", "ox", "ford", "win", "chester", "brook", "dale", "nor",
    "thum", "bia", "sys", "data", "net", "soft", "ware", "hub", "lab", "tron", "ix", "ex", "on",
    "us", "ia", "en", "ta", "ze", "ph", "yr", "quin", "tal", "dor", "fin", "gal", "hel", "jun",
    "kel", "lor", "mon", "nex", "ori", "pax", "ren", "sil", "tor", "ult", "vor", "wex", "xen",
    "yel", "zor",
];

const LATIN_TRADES: &[&str] = &[
    "Trading",
    "Technologies",
    "Logistics",
    "Foods",
    "Electronics",
    "Consulting",
    "Industries",
    "Software",
    "Holdings",
    "Pharma",
    "Media",
    "Energy",
    "Motors",
    "Textiles",
    "Systems",
    "Partners",
    "Supply",
    "Materials",
    "Robotics",
    "Capital",
];

const LATIN_FORMS: &[&str] = &[
    "Co., Ltd.",
    "Inc.",
    "LLC",
    "Ltd",
    "Limited",
    "GmbH",
    "Corp.",
    "Pte. Ltd.",
    "",
];

/// A splitmix64 step.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An index skewed towards the front of a list (the product of two uniform picks), as real
/// cities and trades are: a few very common, a long tail of rare ones.
fn skewed(state: &mut u64, len: usize) -> usize {
    let a = next(state) % len as u64;
    let b = next(state) % len as u64;
    (a * b / len as u64) as usize
}

fn pick<'a>(state: &mut u64, items: &[&'a str]) -> &'a str {
    items[(next(state) % items.len() as u64) as usize]
}

/// Deterministic company names: the same seed gives the same sequence.
pub struct Names {
    state: u64,
    auspicious: Vec<char>,
    common: Vec<char>,
}

impl Names {
    pub fn new(seed: u64) -> Self {
        Names {
            state: seed,
            auspicious: BRAND_CHARS.chars().collect(),
            common: COMMON_CHARS.chars().collect(),
        }
    }

    fn chinese(&mut self) -> String {
        let s = &mut self.state;
        let city = CITIES[skewed(s, CITIES.len())];
        let brand: String = (0..2)
            .map(|_| {
                let pool = if next(s) % 2 == 0 {
                    &self.auspicious
                } else {
                    &self.common
                };
                pool[(next(s) % pool.len() as u64) as usize]
            })
            .collect();
        let trade = TRADES[skewed(s, TRADES.len())];
        let form = pick(s, CN_FORMS);
        if next(s) % 5 == 0 {
            format!("{brand}{trade}（{city}）{form}")
        } else {
            format!("{city}{brand}{trade}{form}")
        }
    }

    fn word(&mut self) -> String {
        let s = &mut self.state;
        let syllables = 2 + next(s) % 2;
        let mut word: String = (0..syllables).map(|_| pick(s, SYLLABLES)).collect();
        word[..1].make_ascii_uppercase();
        word
    }

    fn latin(&mut self) -> String {
        let mut words = vec![self.word()];
        if next(&mut self.state) % 3 == 0 {
            words.push(self.word());
        }
        let s = &mut self.state;
        words.push(LATIN_TRADES[skewed(s, LATIN_TRADES.len())].to_string());
        words.push(pick(s, LATIN_FORMS).to_string());
        words.join(" ").trim_end().to_string()
    }
}

impl Iterator for Names {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        Some(if next(&mut self.state) % 10 < 6 {
            self.chinese()
        } else {
            self.latin()
        })
    }
}

/// Writes default settings and `customers` unowned customers named by `Names::new(seed)` (ids
/// `c-1..` from the store's sequence, each with a phone), with their duplicate-check keys, `batch` per transaction.
pub fn seed(
    store: &dyn Store,
    customers: usize,
    seed: u64,
    now: DateTime<Utc>,
    batch: usize,
) -> Result<()> {
    store::write(store, |tx| {
        tx.put_settings(&OrgSettings {
            version: 1,
            ..OrgSettings::default()
        })
    })?;
    let mut names = Names::new(seed);
    let mut start = 0;
    while start < customers {
        let end = (start + batch).min(customers);
        store::write(store, |tx| {
            for _ in start..end {
                // Ids from the store's sequence, so the service's next customer gets a new one.
                let n = tx.next_id("c")? as usize;
                let c = customer(n, names.next().unwrap_or_default(), now);
                tx.put_customer(&c)?;
                tx.set_dedup_keys(&c.id, &customer_keys(&c, &[])?)?;
            }
            Ok(())
        })?;
        start = end;
    }
    Ok(())
}

/// The conformance suite's unowned customer, with this generator's name, a phone and `now`.
fn customer(n: usize, name: String, now: DateTime<Utc>) -> Customer {
    Customer {
        name,
        phones: vec![format!("139{n:08}")],
        created_at: now,
        updated_at: now,
        ..super::conformance::customer(&format!("c-{n}"), None, 1)
    }
}
