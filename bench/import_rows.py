#!/usr/bin/env python3
"""Writes N customer rows for the import benchmark (bench/import.sh): unique valid mobile numbers
and emails, addresses from a few real GB/T 2260 divisions (some abbreviated), half the birthdays
blank, amounts with thousands separators, and 5% of rows repeating an earlier customer's phone in
another spelling (duplicates within the file). Seeded: the same N gives the same file."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
out = open(sys.argv[2], "w", encoding="utf-8", newline="") if len(sys.argv) > 2 else sys.stdout
rng = random.Random(20261206)
places = [("上海市", "上海市", "浦东新区"), ("上海", "", "徐汇区"), ("北京市", "北京市", "朝阳区"),
          ("广东省", "深圳市", "南山区"), ("广东", "广州", "天河区"), ("浙江省", "杭州市", "西湖区"),
          ("江苏省", "南京市", "鼓楼区"), ("四川省", "成都市", "武侯区")]
cities = ["上海", "北京", "深圳", "广州", "杭州", "南京", "成都", "武汉", "苏州", "天津", "重庆", "西安",
          "宁波", "青岛", "厦门", "长沙", "郑州", "合肥", "福州", "济南"]
# Characters Chinese company brands are made of: two of them make a brand (about 40,000).
chars = ("华信东方恒通星辰远大蓝海金桥新元瑞丰德胜宏达鑫源博泰中科天成永兴嘉禾佳美汇通盛世万邦"
         "泰和安康润泽明辉振华立信同创弘毅正阳志远思源长城百川九州浩然晨光云帆锦程凯旋卓越"
         "腾飞宇航启明方圆智诚合众致远丰收富强精工普惠优品易达")
trades = ["科技", "贸易", "物流", "制造", "咨询", "电子", "医药", "食品", "建材", "软件"]
out.write("客户名称,手机,邮箱,省份,城市,区县,详细地址,行业,生日,年采购额\n")
for i in range(1, n + 1):
    dup = i > 100 and rng.random() < 0.05
    k = rng.randrange(1, i) if dup else i
    phone = f"13{k % 10}{k:08d}"[:11]
    spelled = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}" if dup else phone
    pick = random.Random(k)
    name = f"{pick.choice(cities)}{pick.choice(chars)}{pick.choice(chars)}{pick.choice(trades)}有限公司"
    p, c, d = places[k % len(places)]
    birthday = f"{1960 + k % 40}年{1 + k % 12}月{1 + k % 28}日" if k % 2 else ""
    amount = f"{(k * 37) % 10_000_000:,}.00"
    out.write(f"{name},{spelled},user{k}@example.com,{p},{c},{d},科技路{k % 999}号,{trades[k % 10]},{birthday},\"{amount}\"\n")
