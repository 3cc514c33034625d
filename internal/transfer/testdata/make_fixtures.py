#!/usr/bin/python3
"""Non-UTF-8 CSV fixtures for internal/transfer's ReadTable tests.

Run from the repository root with any Python 3 (standard library only):

    /usr/bin/python3 internal/transfer/testdata/make_fixtures.py

The bytes come from Python's own codecs, not from golang.org/x/text, so the
tests check the Go decoding against an independent encoder. The decoded text
each file must give is spelled out in read_test.go.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))

FIXTURES = [
    # GBK: Chinese headers and values, comma-separated, one quoted field
    # holding a comma.
    ("gbk.csv", "gbk",
     "标题,业务单元,阶段,描述\r\n"
     "智能客服,客户服务,试点,\"缩短响应时间，提升满意度\"\r\n"
     "预测性维护,制造,构想,减少非计划停机\r\n"),
    # GB18030: a character outside GBK (U+20BB7, four bytes) and the euro
    # sign, semicolon-separated.
    ("gb18030.csv", "gb18030",
     "标题;业务单元;价值\n"
     "𠮷野家门店选址;零售;€500万\n"
     "供应链需求预测;物流;300万\n"),
    # Windows-1252: é, ü and € (0x80, which Latin-1 lacks), semicolons.
    ("cp1252.csv", "cp1252",
     "title;description;cost\n"
     "Café crème;Prévision für Müller;€ 1200\n"
     "Zürich Lager;Größe der Lieferung;€ 300\n"),
    # Latin-1: accented letters that pair with the next ASCII letter into
    # well-formed GB18030 ("Mü", "Zü", "Genè"), tab-separated.
    ("latin1.csv", "latin-1",
     "title\tcity\tnote\n"
     "Müller\tZürich\tGenève\n"
     "Ölmühle\tKöln\tSüß\n"),
]


def main():
    for name, codec, text in FIXTURES:
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(text.encode(codec))


if __name__ == "__main__":
    main()
