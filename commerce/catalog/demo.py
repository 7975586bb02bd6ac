"""Demo catalog (issue 2 part 5): channels, a 3-level category tree, brands, SPUs with specifications and SKUs.

``load_catalog()`` is idempotent: every object is looked up by its name (within its parent) and only created
when missing, so running it again creates nothing and never overwrites what editors changed. Every third-level
category has products (issue 13: no category link on the home page leads to an empty list). Product pictures
are drawn per kind of product by demo_images (a phone, a laptop, fruit ...) in the option's finish, nothing
downloaded, and stored as Wagtail images in the "商品图片" collection; a database loaded by the first loader has
its text cards swapped for them. Sales and review counts start at 0: commerce.orders.demo creates the orders and
comments behind them.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import itertools
import logging
import zlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.core.cache import cache
from django.core.files.images import ImageFile
from django.db import transaction
from django.urls import reverse
from PIL import ImageFont
from wagtail.images import get_image_model
from wagtail.models import Collection, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from commerce.catalog import demo_images
from commerce.catalog.models import (
    SKU,
    SPU,
    Brand,
    GoodsCategory,
    GoodsChannel,
    GoodsChannelGroup,
    SKUImage,
    SKUSpecification,
    SpecificationOption,
    SPUSpecification,
)
from commerce.catalog.selectors import CATEGORY_MENU_KEY

logger = logging.getLogger(__name__)

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FONT_SC_INDEX = 2  # the .ttc holds JP, KR, SC, TC, HK faces; SC draws simplified Chinese glyph forms
IMAGE_COLLECTION = "商品图片"
IMAGE_SIZE = 600
GALLERY_SUFFIX = "实物图"  # the SPU's second picture (the first loader's text card was titled "细节图")
STAT_KEYS = (
    "channel_groups", "channels", "categories", "brands", "spus", "specifications", "options",
    "skus", "sku_specs", "sku_images", "images",
)  # fmt: skip

# Channel groups (top menu rows) -> channels (first-level categories) -> second level -> third level.
CATEGORY_TREE: dict[str, dict[str, dict[str, list[str]]]] = {
    "手机通讯": {
        "手机": {"手机通讯": ["手机", "游戏手机", "对讲机"], "手机配件": ["手机壳", "充电器", "数据线"]},
        "数码": {"智能设备": ["智能手表", "智能手环"], "影音娱乐": ["耳机", "音箱"]},
    },
    "电脑办公": {
        "电脑": {"电脑整机": ["笔记本", "游戏本", "台式机"], "电脑配件": ["显示器", "键盘", "鼠标"]},
        "办公": {"办公设备": ["打印机", "投影机"], "文具": ["笔类", "本册"]},
    },
    "家用电器": {
        "家用电器": {"大家电": ["空调", "冰箱", "洗衣机", "电视"], "厨卫小电": ["电饭煲", "微波炉", "电水壶"]},
    },
    "食品生鲜": {
        "食品饮料": {"休闲食品": ["坚果炒货", "饼干蛋糕"], "茗茶": ["绿茶", "红茶"]},
        "生鲜": {"水果": ["苹果", "车厘子", "柑橘"], "海鲜水产": ["虾类", "鱼类"]},
    },
}

BRANDS = {
    "华为": "H", "小米": "X", "Apple": "A", "联想": "L", "美的": "M",
    "海尔": "H", "三只松鼠": "S", "狮峰": "S", "佳农": "J", "红魔": "H", "摩托罗拉": "M", "绿联": "L",
    "罗技": "L", "惠普": "H", "索尼": "S", "极米": "J", "晨光": "C", "得力": "D", "正山堂": "Z", "獐子岛": "Z",
}  # fmt: skip

SERVICE_ELECTRONICS = (
    "<p>本商品由美好商城自营，提供正规发票。</p>"
    "<ul><li>支持7天无理由退货（激活后不支持）</li><li>15天质量问题换货</li>"
    "<li>全国联保，凭发票享受厂家保修服务</li></ul>"
    "<p>售后服务热线：400-000-0000（每日 9:00-21:00）</p>"
)
SERVICE_APPLIANCE = (
    "<p>本商品由美好商城自营，送货上门、免费安装（需另购辅材的按当地标准收费）。</p>"
    "<ul><li>支持7天无理由退货（安装后不支持）</li><li>整机保修6年，主要部件保修10年</li>"
    "<li>以旧换新，可享额外补贴</li></ul>"
)
SERVICE_FOOD = (
    "<p>食品类商品一经售出，非质量问题不支持退换货。</p>"
    "<ul><li>收货后如有破损、变质，请于48小时内拍照联系客服</li><li>冷链配送，请及时签收并冷藏保存</li></ul>"
)


@dataclass(frozen=True)
class DemoSPU:
    name: str
    label: str  # ASCII short name drawn on the product card when no CJK font is installed
    brand: str
    path: tuple[str, str, str]
    specs: dict[str, list[str]]
    base_price: str
    caption: str
    points: list[str]
    pack: list[str]
    service: str
    colour: str
    deltas: dict[str, str] = field(default_factory=dict)
    kind: str = ""  # what demo_images draws (phone, laptop, fruit ...); "" = by the third-level category
    missing: frozenset[tuple[str, ...]] = frozenset()
    unlaunched: frozenset[tuple[str, ...]] = frozenset()

    @property
    def short(self) -> str:
        """The name drawn on the card (CJK font available): a hand-written short name, else brand + label."""
        return SHORT_NAMES.get(self.name, f"{self.brand} {self.label}")


SHORT_NAMES = {
    "美的 酷省电 新一级能效 变频空调": "美的 变频空调",
    "海尔 Haier 对开门变频冰箱": "海尔 冰箱",
    "美的 智能电饭煲": "美的 电饭煲",
    "三只松鼠 每日坚果": "每日坚果",
    "狮峰 西湖龙井 明前绿茶": "西湖龙井",
    "佳农 烟台红富士苹果": "烟台红富士",
    "华为 HUAWEI 66W 超级快充充电器": "华为 66W 充电器",
    "小米 Redmi 显示器": "Redmi 显示器",
    "联想 拯救者 Y9000P 2024 游戏本": "拯救者 Y9000P",
}

SPUS: list[DemoSPU] = [
    DemoSPU(
        name="华为 HUAWEI Mate 60 Pro 手机",
        label="Mate 60 Pro",
        brand="华为",
        path=("手机", "手机通讯", "手机"),
        specs={"颜色": ["雅川青", "雅丹黑", "白沙银"], "版本": ["12GB+256GB", "12GB+512GB"]},
        base_price="6499",
        deltas={"12GB+512GB": "500"},
        missing=frozenset({("白沙银", "12GB+512GB")}),
        caption="华为手机旗舰 | 卫星通话 超可靠玄武架构 全焦段超清影像",
        points=[
            "卫星通话，无地面网络也能拨打",
            "昆仑玻璃，耐摔能力提升",
            "XMAGE 影像，超光变摄像头",
            "5000mAh 大电池，88W 有线快充",
        ],
        pack=["手机 ×1", "充电器 ×1", "USB Type-C 数据线 ×1", "保护壳 ×1", "取卡针 ×1", "快速指南 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#2f5d50",
    ),
    DemoSPU(
        name="华为 HUAWEI nova 12 手机",
        label="nova 12",
        brand="华为",
        path=("手机", "手机通讯", "手机"),
        specs={"颜色": ["曜金黑", "樱语白", "12号色"], "内存": ["256GB", "512GB"]},
        base_price="2999",
        deltas={"512GB": "400"},
        missing=frozenset({("12号色", "512GB")}),
        caption="华为手机 | 前置6000万超广角人像 鸿蒙智慧通信",
        points=[
            "前置 6000 万超广角镜头，合影不挤",
            "6.7 英寸 OLED 曲面屏",
            "100W 超级快充",
            "鸿蒙操作系统，多设备协同",
        ],
        pack=["手机 ×1", "充电器 ×1", "数据线 ×1", "保护壳 ×1", "取卡针 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#b48a4a",
    ),
    DemoSPU(
        name="小米 Xiaomi 14 手机",
        label="Xiaomi 14",
        brand="小米",
        path=("手机", "手机通讯", "手机"),
        specs={"颜色": ["黑色", "白色", "岩石青"], "版本": ["12GB+256GB", "16GB+512GB", "16GB+1TB"]},
        base_price="3999",
        deltas={"16GB+512GB": "500", "16GB+1TB": "1000"},
        missing=frozenset({("岩石青", "16GB+1TB"), ("白色", "16GB+1TB")}),
        caption="徕卡光学 Summilux 镜头 | 第三代骁龙8 | 澎湃OS",
        points=[
            "徕卡光学镜头，光影质感",
            "第三代骁龙 8 移动平台",
            "6.36 英寸小屏旗舰，握持舒适",
            "90W 有线 + 50W 无线快充",
        ],
        pack=["手机 ×1", "电源适配器 ×1", "USB 数据线 ×1", "保护壳 ×1", "取卡针 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#444b59",
    ),
    DemoSPU(
        name="Apple iPhone 15 手机",
        label="iPhone 15",
        brand="Apple",
        path=("手机", "手机通讯", "手机"),
        specs={"颜色": ["黑色", "蓝色", "粉色"], "容量": ["128GB", "256GB"]},
        base_price="5999",
        deltas={"256GB": "1000"},
        unlaunched=frozenset({("粉色", "256GB")}),
        caption="灵动岛 | 4800万像素主摄 | USB-C 接口",
        points=["灵动岛，提醒和实时活动一目了然", "4800 万像素主摄，2 倍光学品质长焦", "A16 仿生芯片", "USB-C 接口"],
        pack=["iPhone ×1", "USB-C 编织充电线（1 米）×1", "资料 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#8fb3d9",
    ),
    DemoSPU(
        name="华为 HUAWEI 66W 超级快充充电器",
        label="66W Charger",
        brand="华为",
        path=("手机", "手机配件", "充电器"),
        specs={"版本": ["单充电头", "充电头+6A数据线"], "颜色": ["白色", "黑色"]},
        base_price="99",
        deltas={"充电头+6A数据线": "30"},
        missing=frozenset({("单充电头", "黑色")}),
        caption="兼容多种快充协议 | 智能识别 安全充电",
        points=["最高 66W 超级快充", "多重安全防护", "兼容 PD、QC 等快充协议"],
        pack=["充电器 ×1", "说明书 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#9aa3ad",
    ),
    DemoSPU(
        name="华为 HUAWEI WATCH GT 4 智能手表",
        label="WATCH GT 4",
        brand="华为",
        path=("数码", "智能设备", "智能手表"),
        specs={"表盘尺寸": ["41mm", "46mm"], "表带": ["氟橡胶表带", "复合编织表带"], "颜色": ["曜石黑", "山茶棕"]},
        base_price="1488",
        deltas={"46mm": "100", "复合编织表带": "200"},
        missing=frozenset({("41mm", "复合编织表带", "曜石黑"), ("46mm", "氟橡胶表带", "山茶棕")}),
        caption="两周长续航 | 精准心率血氧 | 科学运动指导",
        points=["典型场景续航 14 天", "TruSeen 5.5+ 心率血氧监测", "100+ 运动模式", "NFC 公交卡、门禁卡"],
        pack=["手表 ×1", "无线充电底座 ×1", "快速入门 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#5a4636",
    ),
    DemoSPU(
        name="Apple MacBook Air 13 英寸 M3 笔记本电脑",
        label="MacBook Air",
        brand="Apple",
        path=("电脑", "电脑整机", "笔记本"),
        specs={"颜色": ["午夜色", "星光色", "深空灰色"], "配置": ["16GB+256GB", "16GB+512GB", "24GB+512GB"]},
        base_price="7999",
        deltas={"16GB+512GB": "1500", "24GB+512GB": "3000"},
        missing=frozenset({("星光色", "24GB+512GB"), ("深空灰色", "24GB+512GB")}),
        caption="M3 芯片 | 18 小时续航 | 轻至 1.24 千克",
        points=["M3 芯片，8 核 CPU", "13.6 英寸 Liquid 视网膜显示屏", "长达 18 小时电池续航", "无风扇设计，静音运行"],
        pack=["MacBook Air ×1", "30W USB-C 电源适配器 ×1", "USB-C 转 MagSafe 3 连接线 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#2e3641",
    ),
    DemoSPU(
        name="联想 拯救者 Y9000P 2024 游戏本",
        label="Y9000P",
        brand="联想",
        path=("电脑", "电脑整机", "游戏本"),
        specs={"处理器": ["i7-14650HX", "i9-14900HX"], "显卡": ["RTX 4060", "RTX 4070"], "内存": ["16GB", "32GB"]},
        base_price="8999",
        deltas={"i9-14900HX": "1500", "RTX 4070": "1000", "32GB": "600"},
        missing=frozenset(
            {("i7-14650HX", "RTX 4070", "32GB"), ("i9-14900HX", "RTX 4060", "16GB"), ("i9-14900HX", "RTX 4060", "32GB")}
        ),
        caption="16英寸 2.5K 240Hz 电竞屏 | 霜刃Pro散热",
        points=["16 英寸 2.5K 240Hz 电竞屏", "霜刃 Pro 散热系统", "满血显卡，性能释放 175W", "1TB PCIe 4.0 固态硬盘"],
        pack=["笔记本电脑 ×1", "电源适配器 ×1", "说明书 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#1f2a44",
    ),
    DemoSPU(
        name="联想 ThinkBook 14+ 2024 轻薄笔记本",
        label="ThinkBook 14+",
        brand="联想",
        path=("电脑", "电脑整机", "笔记本"),
        specs={"内存": ["16GB", "32GB"], "硬盘": ["512GB", "1TB"]},
        base_price="5499",
        deltas={"32GB": "800", "1TB": "400"},
        caption="酷睿 Ultra 处理器 | 2.8K 120Hz 屏 | 高性能轻薄本",
        points=["英特尔酷睿 Ultra 5 处理器", "14.5 英寸 3K 120Hz 护眼屏", "全功能 Type-C 接口", "背光键盘，指纹识别"],
        pack=["笔记本电脑 ×1", "电源适配器 ×1", "说明书 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#6b7480",
    ),
    DemoSPU(
        name="小米 Redmi 显示器",
        label="Redmi Monitor",
        brand="小米",
        path=("电脑", "电脑配件", "显示器"),
        specs={"尺寸": ["23.8英寸", "27英寸"], "规格": ["2K 180Hz", "4K 60Hz"]},
        base_price="799",
        deltas={"27英寸": "300", "4K 60Hz": "500"},
        missing=frozenset({("23.8英寸", "4K 60Hz")}),
        caption="IPS 技术硬屏 | 低蓝光护眼 | 窄边框设计",
        points=["IPS 广视角硬屏", "莱茵低蓝光认证", "三面微边框", "支持壁挂"],
        pack=["显示器 ×1", "底座 ×1", "电源适配器 ×1", "HDMI 线 ×1"],
        service=SERVICE_ELECTRONICS,
        colour="#3b6ea5",
    ),
    DemoSPU(
        name="美的 酷省电 新一级能效 变频空调",
        label="Midea AC",
        brand="美的",
        path=("家用电器", "大家电", "空调"),
        specs={"匹数": ["1匹", "1.5匹", "3匹"], "款式": ["壁挂式", "立柜式"]},
        base_price="2299",
        deltas={"1.5匹": "300", "3匹": "2500", "立柜式": "1500"},
        missing=frozenset({("1匹", "立柜式"), ("3匹", "壁挂式")}),
        caption="新一级能效 | 变频冷暖 | 智能WiFi控制",
        points=["新一级能效，省电节能", "全直流变频，快速冷暖", "美居 App 智能控制", "自清洁功能"],
        pack=["室内机 ×1", "室外机 ×1", "遥控器 ×1", "安装配件 ×1 套"],
        service=SERVICE_APPLIANCE,
        colour="#4aa3c7",
    ),
    DemoSPU(
        name="海尔 Haier 对开门变频冰箱",
        label="Haier Fridge",
        brand="海尔",
        path=("家用电器", "大家电", "冰箱"),
        specs={"容量": ["253升", "475升"], "颜色": ["星石蓝", "玉墨银"]},
        base_price="2199",
        deltas={"475升": "1800"},
        caption="一级能效 | 风冷无霜 | 干湿分储",
        points=["一级能效，双变频", "风冷无霜，免除手动除霜", "干湿分储，果蔬保鲜", "超薄机身，嵌入式设计"],
        pack=["冰箱 ×1", "说明书 ×1", "保修卡 ×1"],
        service=SERVICE_APPLIANCE,
        colour="#6d8fa8",
    ),
    DemoSPU(
        name="美的 智能电饭煲",
        label="Rice Cooker",
        brand="美的",
        path=("家用电器", "厨卫小电", "电饭煲"),
        specs={"容量": ["3L", "4L", "5L"], "颜色": ["月光白", "深空灰"]},
        base_price="199",
        deltas={"4L": "40", "5L": "80"},
        missing=frozenset({("3L", "深空灰")}),
        caption="IH 电磁加热 | 24小时预约 | 多种烹饪模式",
        points=["IH 电磁立体加热", "不粘内胆，易清洗", "24 小时智能预约", "煮饭、煲粥、蒸煮多功能"],
        pack=["电饭煲 ×1", "蒸笼 ×1", "饭勺 ×1", "量杯 ×1", "说明书 ×1"],
        service=SERVICE_APPLIANCE,
        colour="#c46a4a",
    ),
    DemoSPU(
        name="三只松鼠 每日坚果",
        label="Daily Nuts",
        brand="三只松鼠",
        path=("食品饮料", "休闲食品", "坚果炒货"),
        specs={"规格": ["375g/15袋", "750g/30袋"], "口味": ["经典原味", "混合果仁"]},
        base_price="69",
        deltas={"750g/30袋": "60", "混合果仁": "10"},
        missing=frozenset({("375g/15袋", "混合果仁")}),
        caption="科学配比 每日一袋 | 独立小包装",
        points=["6 种坚果果干科学配比", "独立小袋，锁住新鲜", "无添加蔗糖"],
        pack=["每日坚果礼盒 ×1"],
        service=SERVICE_FOOD,
        colour="#b9783b",
    ),
    DemoSPU(
        name="狮峰 西湖龙井 明前绿茶",
        label="Longjing Tea",
        brand="狮峰",
        path=("食品饮料", "茗茶", "绿茶"),
        specs={"等级": ["特级", "一级"], "包装": ["礼盒装250g", "罐装100g"]},
        base_price="698",
        deltas={"一级": "-200", "罐装100g": "-300"},
        caption="杭州西湖产区 | 明前采摘 | 豆香浓郁",
        points=["西湖产区，明前头采", "传统手工炒制", "扁平光滑，色泽嫩绿"],
        pack=["茶叶 ×1", "礼品袋 ×1（礼盒装）"],
        service=SERVICE_FOOD,
        colour="#6f8f3a",
    ),
    DemoSPU(
        name="佳农 烟台红富士苹果",
        label="Fuji Apple",
        brand="佳农",
        path=("生鲜", "水果", "苹果"),
        specs={"重量": ["5kg", "10kg"], "果径": ["75-80mm", "80-85mm"]},
        base_price="49.90",
        deltas={"10kg": "45", "80-85mm": "15"},
        caption="烟台产地直发 | 脆甜多汁 | 坏果包赔",
        points=["山东烟台产地直采", "果肉脆甜，汁水充足", "产地冷链直发"],
        pack=["苹果 ×1 箱"],
        service=SERVICE_FOOD,
        colour="#c0392b",
    ),
]


def _spu(name: str, brand: str, path: tuple[str, str, str], specs: dict[str, list[str]], price: str, **more) -> DemoSPU:
    """A compact DemoSPU: label, caption, points, pack and service get sensible defaults by category."""
    service = {"家用电器": SERVICE_APPLIANCE, "食品饮料": SERVICE_FOOD, "生鲜": SERVICE_FOOD}.get(
        path[0], SERVICE_ELECTRONICS
    )
    defaults = {
        "label": more.get("kind", "").replace("_", " ").title() or "Product",
        "caption": "美好商城自营 | 正品保障",
        "points": ["美好商城自营，正品保障", "全国联保，售后无忧"],
        "pack": [f"{path[2]} ×1", "说明书 ×1"],
        "service": service,
        "colour": "#5b6b7a",
    }
    defaults.update(more)
    return DemoSPU(name=name, brand=brand, path=path, specs=specs, base_price=price, **defaults)


# Second batch: one SPU for every third-level category the first batch left empty, so that no category link
# the home page shows leads to an empty list (issue 13).
SPUS += [
    _spu("红魔 9 Pro 电竞游戏手机", "红魔", ("手机", "手机通讯", "游戏手机"),
         {"颜色": ["暗夜骑士", "氘锋透明银"], "版本": ["12GB+256GB", "16GB+512GB"]}, "4999",
         deltas={"16GB+512GB": "800"}, caption="第三代骁龙8 | 内置风扇 | 肩键操控", colour="#b0302c",
         points=["第三代骁龙 8 领先版", "主动散热风扇，满帧不降频", "520Hz 肩键"]),
    _spu("摩托罗拉 Motorola 民用对讲机", "摩托罗拉", ("手机", "手机通讯", "对讲机"),
         {"型号": ["T62", "T82"], "套装": ["单台装", "双台装"]}, "299", deltas={"T82": "100", "双台装": "280"},
         caption="通话距离远 | 续航持久 | 免执照频段", colour="#2d3a2e", kind="walkie"),
    _spu("小米 Xiaomi 14 原装手机保护壳", "小米", ("手机", "手机配件", "手机壳"),
         {"颜色": ["黑色", "透明"], "材质": ["硅胶", "素皮"]}, "49", deltas={"素皮": "30"},
         caption="原装精准开孔 | 全包防摔", colour="#333333", kind="phone_case"),
    _spu("绿联 USB-C 快充数据线", "绿联", ("手机", "手机配件", "数据线"),
         {"长度": ["1米", "2米"], "功率": ["60W", "100W"]}, "29", deltas={"2米": "10", "100W": "20"},
         caption="编织线身 | 支持 PD 快充", colour="#3a7bd5", kind="cable"),
    _spu("小米手环 8 智能手环", "小米", ("数码", "智能设备", "智能手环"),
         {"颜色": ["亮黑色", "淡金色"], "版本": ["标准版", "NFC版"]}, "239", deltas={"NFC版": "40"},
         caption="16 天长续航 | 150+ 运动模式", colour="#222222", kind="band"),
    _spu("华为 HUAWEI FreeBuds Pro 3 无线蓝牙耳机", "华为", ("数码", "影音娱乐", "耳机"),
         {"颜色": ["陶瓷白", "星河蓝", "雅川青"], "版本": ["标准版", "无线充版"]}, "1299",
         deltas={"无线充版": "100"}, missing=frozenset({("雅川青", "标准版")}),
         caption="智慧动态降噪 | 高解析音质", colour="#e8e8e8", kind="earbuds",
         points=["智慧动态降噪 3.0", "星闪连接，高清音质", "单次续航 6.5 小时"]),
    _spu("索尼 SONY WH-1000XM5 头戴式降噪耳机", "索尼", ("数码", "影音娱乐", "耳机"),
         {"颜色": ["黑色", "铂金银"], "套装": ["标准版", "礼盒版"]}, "2499", deltas={"礼盒版": "200"},
         caption="旗舰降噪 | 30 小时续航", colour="#2b2b2b", kind="headphones",
         points=["双芯驱动 8 麦克风降噪", "30 小时续航", "佩戴轻盈舒适"]),
    _spu("小米 小爱音箱 Pro 智能音箱", "小米", ("数码", "影音娱乐", "音箱"),
         {"颜色": ["黑色", "白色"], "版本": ["标准版", "套装版"]}, "299", deltas={"套装版": "100"},
         caption="小爱同学语音控制 | 立体声", colour="#3c3c3c", kind="speaker"),
    _spu("联想 天逸 510S 台式机", "联想", ("电脑", "电脑整机", "台式机"),
         {"处理器": ["i5-13400", "i7-13700"], "内存": ["16GB", "32GB"]}, "3999",
         deltas={"i7-13700": "1200", "32GB": "500"}, caption="13 代酷睿 | 23.8 英寸显示器套装", colour="#30343b",
         kind="desktop"),
    _spu("罗技 Logitech MX Keys 无线键盘", "罗技", ("电脑", "电脑配件", "键盘"),
         {"颜色": ["石墨黑", "珍珠白"], "版本": ["标准版", "迷你版"]}, "699", deltas={"迷你版": "-100"},
         caption="智能背光 | 多设备切换", colour="#3b3b3f", kind="keyboard"),
    _spu("罗技 Logitech MX Master 3S 无线鼠标", "罗技", ("电脑", "电脑配件", "鼠标"),
         {"颜色": ["石墨黑", "珍珠白"], "连接": ["蓝牙", "Bolt 接收器"]}, "749",
         caption="8K DPI | 静音微动 | 电磁滚轮", colour="#3b3b3f", kind="mouse"),
    _spu("惠普 HP 彩色喷墨打印机", "惠普", ("办公", "办公设备", "打印机"),
         {"功能": ["打印复印扫描", "单打印"], "连接": ["WiFi", "USB"]}, "799", deltas={"单打印": "-200"},
         caption="手机无线打印 | 大容量墨仓", colour="#e9e9e9", kind="printer"),
    _spu("极米 XGIMI H6 家用投影机", "极米", ("办公", "办公设备", "投影机"),
         {"版本": ["标准版", "4K版"], "套餐": ["单机", "含幕布"]}, "4999", deltas={"4K版": "1000", "含幕布": "300"},
         caption="4K 超高清 | 自动对焦 | 智能避障", colour="#d9d9d9", kind="projector"),
    _spu("晨光 M&G 按动中性笔", "晨光", ("办公", "文具", "笔类"),
         {"颜色": ["黑色", "蓝色", "红色"], "规格": ["12支装", "24支装"]}, "19.90", deltas={"24支装": "15"},
         caption="0.5mm 子弹头 | 书写顺滑", colour="#1f3b73", kind="pen"),
    _spu("得力 deli 软抄笔记本", "得力", ("办公", "文具", "本册"),
         {"规格": ["A5", "B5"], "数量": ["3本装", "6本装"]}, "24.90", deltas={"B5": "5", "6本装": "20"},
         caption="加厚纸张 | 不洇墨", colour="#6a8caf", kind="notebook"),
    _spu("海尔 Haier 滚筒洗衣机", "海尔", ("家用电器", "大家电", "洗衣机"),
         {"容量": ["10公斤", "12公斤"], "功能": ["洗烘一体", "纯洗"]}, "2999",
         deltas={"12公斤": "600", "纯洗": "-800"}, caption="直驱变频 | 除菌螨 | 智能投放", colour="#e6e6e6",
         kind="washer"),
    _spu("小米电视 Redmi A Pro 4K 智能电视", "小米", ("家用电器", "大家电", "电视"),
         {"尺寸": ["55英寸", "65英寸", "75英寸"], "版本": ["标准版", "Pro版"]}, "2299",
         deltas={"65英寸": "700", "75英寸": "1700", "Pro版": "500"}, missing=frozenset({("55英寸", "Pro版")}),
         caption="4K 超高清 | 金属全面屏 | 远场语音", colour="#1d1f24", kind="tv",
         points=["4K HDR 超高清画质", "金属全面屏，超窄边框", "小爱同学远场语音"]),
    _spu("美的 变频微波炉", "美的", ("家用电器", "厨卫小电", "微波炉"),
         {"容量": ["20升", "23升"], "功能": ["微波", "微蒸烤一体"]}, "499", deltas={"23升": "100", "微蒸烤一体": "400"},
         caption="变频均匀加热 | 一键解冻", colour="#e4e4e4", kind="microwave"),
    _spu("小米 米家 电水壶", "小米", ("家用电器", "厨卫小电", "电水壶"),
         {"容量": ["1.5L", "1.7L"], "颜色": ["白色", "黑色"]}, "99", deltas={"1.7L": "20"},
         caption="304 不锈钢内胆 | 快速烧水", colour="#f2f2f2", kind="kettle"),
    _spu("三只松鼠 黄油曲奇饼干", "三只松鼠", ("食品饮料", "休闲食品", "饼干蛋糕"),
         {"规格": ["200g", "400g"], "口味": ["原味", "抹茶味"]}, "29.90", deltas={"400g": "25"},
         caption="丹麦风味 | 酥松香甜", colour="#c8864a", kind="biscuits", pack=["曲奇饼干 ×1 盒"]),
    _spu("正山堂 正山小种 红茶", "正山堂", ("食品饮料", "茗茶", "红茶"),
         {"等级": ["特级", "一级"], "包装": ["罐装100g", "礼盒装250g"]}, "298",
         deltas={"一级": "-80", "礼盒装250g": "300"}, caption="武夷山桐木关 | 松烟香", colour="#7a2e1f", kind="tea",
         pack=["红茶 ×1"]),
    _spu("佳农 智利车厘子", "佳农", ("生鲜", "水果", "车厘子"),
         {"规格": ["JJ级", "JJJ级"], "重量": ["1kg", "2.5kg"]}, "129", deltas={"JJJ级": "60", "2.5kg": "160"},
         caption="智利空运 | 果大饱满 | 冷链直达", colour="#8e1b2c", kind="cherry", pack=["车厘子 ×1 箱"]),
    _spu("佳农 赣南脐橙", "佳农", ("生鲜", "水果", "柑橘"),
         {"重量": ["5kg", "10kg"], "果径": ["65-70mm", "75-80mm"]}, "39.90", deltas={"10kg": "35", "75-80mm": "10"},
         caption="江西赣州产地直发 | 酸甜多汁", colour="#f08a24", kind="orange", pack=["脐橙 ×1 箱"]),
    _spu("獐子岛 厄瓜多尔白虾", "獐子岛", ("生鲜", "海鲜水产", "虾类"),
         {"规格": ["30-40只/kg", "40-50只/kg"], "重量": ["1kg", "2kg"]}, "99", deltas={"30-40只/kg": "20", "2kg": "90"},
         caption="冷冻锁鲜 | 个大肉弹", colour="#e2725b", kind="shrimp", pack=["白虾 ×1 盒"]),
    _spu("獐子岛 挪威三文鱼", "獐子岛", ("生鲜", "海鲜水产", "鱼类"),
         {"部位": ["中段", "刺身拼盘"], "重量": ["300g", "500g"]}, "129", deltas={"刺身拼盘": "30", "500g": "80"},
         caption="挪威空运 | 冰鲜直达 | 刺身级", colour="#f4845f", kind="fish", pack=["三文鱼 ×1 盒"]),
]  # fmt: skip


# --- Images -------------------------------------------------------------------------------------------


@functools.cache
def _load_font(size: int) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The CJK font when installed (True), else Pillow's built-in font (False: draw ASCII labels only)."""
    if CJK_FONT.exists():
        try:
            return ImageFont.truetype(str(CJK_FONT), size, index=CJK_FONT_SC_INDEX), True
        except OSError:
            logger.warning("Cannot read %s; demo images fall back to ASCII labels", CJK_FONT)
    try:
        return ImageFont.load_default(size=size), False
    except (TypeError, OSError):  # Pillow without FreeType: fixed-size bitmap font
        return ImageFont.load_default(), False


def _rgb(colour: str, lightness_shift: float = 0.0) -> tuple[int, int, int]:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = min(max(lum + lightness_shift, 0.0), 1.0)
    return tuple(round(c * 255) for c in colorsys.hls_to_rgb(h, lum, s))  # type: ignore[return-value]


def picture_kind(spec: DemoSPU, values: tuple[str, ...] = ()) -> str:
    """What to draw for this product (and option combination): its own kind, else its category's."""
    kind = spec.kind or demo_images.KIND_BY_CATEGORY.get(spec.path[2], "package")
    if kind == "ac" and "立柜式" in values:
        return "ac_floor"
    return kind


def picture_look(spec: DemoSPU, values: tuple[str, ...]) -> str:
    """The option value that changes how the product looks: its finish (颜色) if any, else its style or first value."""
    for value in values:
        if any(word in value for word, _colour in demo_images.FINISHES):
            return value
    if picture_kind(spec, values) == "ac_floor":
        return "立柜式"
    return values[0] if values else ""


def render_product_card(
    *,
    heading: str = "",
    ascii_heading: str = "",
    subtitle: str,
    colour: str,
    variant: int = 0,
    kind: str = "package",
    values: tuple[str, ...] = (),
) -> bytes:
    """A square JPEG picture of the product (drawn by demo_images), with `subtitle` in small grey type.

    `heading`/`ascii_heading` are kept for callers of the old text cards; the picture itself carries no name.
    """
    font, has_cjk = _load_font(26)
    caption = subtitle if has_cjk or subtitle.isascii() else ""
    accent = demo_images.hex_rgb(colour)
    body = demo_images.finish_colour(values or (subtitle,), colour)
    if variant:  # the second picture of a product: its back, or the same product in its brand colour
        kind = "phone_back" if kind in ("phone", "gaming_phone") else kind
    return demo_images.render_product(
        kind=kind, colour=body, accent=accent, caption=caption, font=font, size=IMAGE_SIZE
    )


def _image_collection() -> Collection:
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=IMAGE_COLLECTION).first()
    return existing or root.add_child(name=IMAGE_COLLECTION)


def _get_or_create_image(*, title: str, filename: str, collection: Collection, stats: dict, **card) -> object:
    """The Wagtail image titled `title` in the demo collection, drawn and stored on first use."""
    image_model = get_image_model()
    image = image_model.objects.filter(title=title, collection=collection).first()
    if image is not None:
        return image
    data = render_product_card(**card)
    image = image_model(
        title=title,
        collection=collection,
        file=ImageFile(io.BytesIO(data), name=filename),
        file_size=len(data),
        file_hash=hashlib.sha1(data).hexdigest(),  # noqa: S324 - Wagtail's duplicate detection uses SHA-1
    )
    image.save()
    stats["images"] += 1
    return image


# --- Catalog ------------------------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _prices(spu: DemoSPU, values: tuple[str, ...]) -> tuple[Decimal, Decimal, Decimal]:
    """(price, market price, cost price) for one option combination; market price ends in 9 like a real tag."""
    price = _money(Decimal(spu.base_price) + sum((Decimal(spu.deltas.get(v, "0")) for v in values), Decimal("0")))
    step = Decimal("100") if price >= 1000 else Decimal("10")
    market = (price * Decimal("1.12") / step).to_integral_value(rounding="ROUND_CEILING") * step - 1
    if market <= price:
        market = price + step - 1
    return price, _money(market), _money(price * Decimal("0.78"))


def _stable_number(text: str) -> int:
    return zlib.crc32(text.encode())


def _category_path(path: tuple[str, str, str], categories: dict[tuple[str, ...], GoodsCategory]) -> list[GoodsCategory]:
    return [categories[path[:1]], categories[path[:2]], categories[path]]


def _load_tree(stats: dict) -> dict[tuple[str, ...], GoodsCategory]:
    categories: dict[tuple[str, ...], GoodsCategory] = {}

    def node(name: str, parent: GoodsCategory | None, sequence: int) -> GoodsCategory:
        category, created = GoodsCategory.objects.get_or_create(
            name=name, parent=parent, defaults={"sequence": sequence}
        )
        stats["categories"] += created
        return category

    for group_seq, (group_name, channels) in enumerate(CATEGORY_TREE.items()):
        group, created = GoodsChannelGroup.objects.get_or_create(name=group_name, defaults={"sequence": group_seq})
        stats["channel_groups"] += created
        for channel_seq, (cat1_name, subs) in enumerate(channels.items()):
            cat1 = node(cat1_name, None, group_seq * 10 + channel_seq)
            categories[(cat1_name,)] = cat1
            first_cat3 = None
            for seq2, (cat2_name, cat3_names) in enumerate(subs.items()):
                cat2 = node(cat2_name, cat1, seq2)
                categories[(cat1_name, cat2_name)] = cat2
                for seq3, cat3_name in enumerate(cat3_names):
                    cat3 = node(cat3_name, cat2, seq3)
                    categories[(cat1_name, cat2_name, cat3_name)] = cat3
                    first_cat3 = first_cat3 or cat3
            _, created = GoodsChannel.objects.get_or_create(
                group=group,
                category=cat1,
                defaults={"sequence": channel_seq, "url": reverse("catalog:category", args=[first_cat3.pk])},
            )
            stats["channels"] += created
    return categories


def _load_spu(
    spec: DemoSPU, categories: dict[tuple[str, ...], GoodsCategory], collection: Collection, stats: dict
) -> None:
    brand, created = Brand.objects.get_or_create(name=spec.brand, defaults={"first_letter": BRANDS[spec.brand]})
    stats["brands"] += created
    cat1, cat2, cat3 = _category_path(spec.path, categories)
    detail = "<h3>产品亮点</h3><ul>" + "".join(f"<li>{p}</li>" for p in spec.points) + "</ul>"
    detail += f"<p>{spec.name}：{spec.caption}。</p>"
    spu, created = SPU.objects.get_or_create(
        name=spec.name,
        defaults={
            "brand": brand,
            "category1": cat1,
            "category2": cat2,
            "category3": cat3,
            "desc_detail": detail,
            "desc_pack": "<p>包装清单：</p><ul>" + "".join(f"<li>{item}</li>" for item in spec.pack) + "</ul>",
            "desc_service": spec.service,
        },
    )
    stats["spus"] += created

    spec_options: list[list[tuple[SPUSpecification, SpecificationOption]]] = []
    for sequence, (spec_name, values) in enumerate(spec.specs.items()):
        specification, created = SPUSpecification.objects.get_or_create(
            spu=spu, name=spec_name, defaults={"sequence": sequence}
        )
        stats["specifications"] += created
        options = []
        for order, value in enumerate(values):
            option, created = SpecificationOption.objects.get_or_create(
                spec=specification, value=value, defaults={"sort_order": order}
            )
            stats["options"] += created
            options.append((specification, option))
        spec_options.append(options)

    gallery = _get_or_create_image(
        title=f"{spec.name} {GALLERY_SUFFIX}",
        filename=f"demo-spu-{_stable_number(spec.name):08x}.jpg",
        collection=collection,
        stats=stats,
        subtitle=spec.short,
        colour=spec.colour,
        variant=1,
        kind=picture_kind(spec),
    )

    for combination in itertools.product(*spec_options):
        values = tuple(option.value for _, option in combination)
        if values in spec.missing:
            continue
        name = f"{spec.name} {' '.join(values)}"
        sku = SKU.objects.filter(spu=spu, name=name).first()
        if sku is None:
            sku = _create_sku(spec, spu, cat3, name, values, collection, gallery, stats)
        else:
            _replace_text_cards(spec, sku, values, collection, gallery, stats)
        for specification, option in combination:
            _, created = SKUSpecification.objects.get_or_create(
                sku=sku, spec=specification, defaults={"option": option}
            )
            stats["sku_specs"] += created


def _sku_picture(spec: DemoSPU, values: tuple[str, ...], collection: Collection, stats: dict) -> object:
    """The drawn picture of an option combination; SKUs that look alike (same finish, e.g. 雅川青 12GB+256GB and
    雅川青 12GB+512GB) share one."""
    look = picture_look(spec, values)
    kind = picture_kind(spec, values)
    return _get_or_create_image(
        title=f"{spec.name} {look}" if kind == picture_kind(spec) else f"{spec.name} {look} ({kind})",
        filename=f"demo-sku-{_stable_number(spec.name + look + kind):08x}.jpg",
        collection=collection,
        stats=stats,
        subtitle=look,
        colour=spec.colour,
        kind=kind,
        values=values,
    )


def _replace_text_cards(
    spec: DemoSPU, sku: SKU, values: tuple[str, ...], collection: Collection, gallery: object, stats: dict
) -> None:
    """A database loaded by the first demo loader shows text cards: an image titled like the SKU and one titled
    "<SPU> 细节图", in the demo collection. Swap those for the drawn pictures; images an editor chose stay."""
    old_main = SKUImage.objects.filter(sku=sku, image__collection=collection, image__title=sku.name)
    old_gallery = SKUImage.objects.filter(sku=sku, image__collection=collection, image__title=f"{spec.name} 细节图")
    default_is_card = SKU.objects.filter(
        pk=sku.pk, default_image__collection=collection, default_image__title=sku.name
    ).exists()
    if not (default_is_card or old_main.exists() or old_gallery.exists()):
        return
    main = _sku_picture(spec, values, collection, stats)
    stats["sku_images"] += old_main.update(image=main) + old_gallery.update(image=gallery)
    if default_is_card:
        sku.default_image = main
        sku.save(update_fields=["default_image"])  # signals: hot sellers' cache and the static pages follow


def _create_sku(
    spec: DemoSPU,
    spu: SPU,
    category: GoodsCategory,
    name: str,
    values: tuple[str, ...],
    collection: Collection,
    gallery: object,
    stats: dict,
) -> SKU:
    """A new SKU saved once, with its own card as default image and the SPU's detail card in its gallery."""
    number = _stable_number(name)
    main = _sku_picture(spec, values, collection, stats)
    price, market, cost = _prices(spec, values)
    sku = SKU.objects.create(
        spu=spu,
        name=name,
        caption=spec.caption,
        category=category,
        price=price,
        market_price=market,
        cost_price=cost,
        stock=20 + number % 180,
        sales=0,  # counted from real orders only: commerce.orders.demo places the demo shoppers' orders
        comments=0,
        is_launched=values not in spec.unlaunched,
        default_image=main,
    )
    SKUImage.objects.create(sku=sku, image=main, sort_order=0)
    SKUImage.objects.create(sku=sku, image=gallery, sort_order=1)
    stats["skus"] += 1
    stats["sku_images"] += 2
    stats["new_sku_ids"].append(sku.pk)
    return sku


def load_catalog() -> dict[str, int]:
    """Create whatever part of the demo catalog is missing; return totals per model and how many rows were new."""
    stats: dict = dict.fromkeys(STAT_KEYS, 0)
    stats["new_sku_ids"] = []
    # Wagtail's reference index would be rebuilt after every single save (most of the load time); it is
    # updated once per new SKU below instead (SKUs are what reference the images). The search index stays on.
    with transaction.atomic(), disable_reference_index_auto_update():
        categories = _load_tree(stats)
        collection = _image_collection()
        for spec in SPUS:
            _load_spu(spec, categories, collection, stats)
    new_sku_ids = stats.pop("new_sku_ids")
    for sku in SKU.objects.filter(pk__in=new_sku_ids):
        ReferenceIndex.create_or_update_for_object(sku)
    created = sum(stats.values())
    if created:
        cache.delete(CATEGORY_MENU_KEY)
        logger.info("Demo catalog: created %s", {k: v for k, v in stats.items() if v})
    image_model = get_image_model()
    return {
        "channel_groups": GoodsChannelGroup.objects.count(),
        "channels": GoodsChannel.objects.count(),
        "categories": GoodsCategory.objects.count(),
        "brands": Brand.objects.count(),
        "spus": SPU.objects.count(),
        "skus": SKU.objects.count(),
        "images": image_model.objects.count(),
        "created": created,
    }
