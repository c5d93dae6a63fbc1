"""Word lists for generated names and addresses. Fictional places built from common parts."""

# The hundred most common surnames, most frequent first (weights fall off with rank).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_CHARACTERS_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋志国建文德海东晨子嘉振"
GIVEN_CHARACTERS_FEMALE = "芳娜敏静丽艳娟霞秀玲燕红梅琳颖洁婷雪慧莉萍倩琴云兰凤晶妍佳欣悦蕾楠瑶怡雯璐颖彤"
PLACE_FIRST = "东西南北中新华金桂龙凤花云海江河湖山石松竹梅兰荷宝安康乐福泰和平明光德仁义礼智信嘉宏源丰盛兴"
PLACE_SECOND = "风林园湾岭溪田沙洲塘埔港坊村苑城岗湖桥冲滘涌坑"
ROAD_KINDS = ("路", "街", "大道", "巷")
CITY_NAME = "珠江市"
DISTRICT_NAMES = ("东湖区", "西江区", "南岭区", "北山区", "新港区", "白云湖区", "花城区", "海珠湾区", "龙洞区", "金沙区")
# County-level codes of Guangdong (GB/T 2260) used as the ID numbers' region codes.
REGION_CODES = ("440103", "440104", "440105", "440106", "440111", "440112", "440113", "440114", "440115", "440117")
PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156",
                  "158", "159", "177", "180", "181", "182", "185", "186", "187", "188", "189", "191", "199")
