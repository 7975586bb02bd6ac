"""The compact segmenter (commerce.catalog.segmenter) cuts text exactly as jieba's own Tokenizer does."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
import pytest

from commerce.catalog.segmenter import CompactTokenizer, segmenter

jieba.setLogLevel(logging.WARNING)

SENTENCES = [
    "华为手机",
    "笔记本电脑",
    "华为 Mate 60 Pro 12GB+512GB 雅川青 卫星通话 超可靠玄武架构 全焦段超清影像",
    "小米电视 65英寸 4K超高清 智能语音 远场语音控制",
    "我来到北京清华大学，他来到了网易杭研大厦。",
    "蓝牙耳机降噪版，超长续航，一天一充，出门无忧",
    "Apple iPhone 15 (A3092) 256GB 黑色 支持移动联通电信5G 双卡双待手机",
    "",
    "，。！",
]


@pytest.fixture(scope="module")
def reference() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


def catalog_lines() -> list[str]:
    """Every line of the demo catalog's source and of the English catalogue (Chinese msgids): real shop text."""
    root = Path(__file__).resolve().parents[3]
    text = (root / "commerce/catalog/demo.py").read_text(encoding="utf-8")
    text += (root / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if any("\u4e00" <= ch <= "\u9fff" for ch in line)]


@pytest.mark.parametrize("mode", ["default", "search"])
def test_compact_segmenter_cuts_like_jieba(reference, mode):
    lines = SENTENCES + catalog_lines()
    assert len(lines) > 500
    for line in lines:
        assert list(segmenter.tokenize(line, mode=mode)) == list(reference.tokenize(line, mode=mode)), line


def test_cut_without_hmm_and_for_search_match_too(reference):
    for line in SENTENCES:
        assert segmenter.lcut(line, HMM=False) == reference.lcut(line, HMM=False)
        assert segmenter.lcut_for_search(line) == reference.lcut_for_search(line)
        assert segmenter.get_DAG(line) == reference.get_DAG(line)


def test_a_fresh_segmenter_builds_or_reuses_the_cached_trie(tmp_path, monkeypatch, reference):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    fresh = CompactTokenizer()
    assert fresh.lcut("华为手机笔记本电脑") == reference.lcut("华为手机笔记本电脑")
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".freq", ".marisa"]
    again = CompactTokenizer()
    assert again.lcut("蓝牙耳机") == reference.lcut("蓝牙耳机")
    assert again.total == reference.total
    assert len(again.FREQ) == sum(1 for freq in reference.FREQ.values() if freq)


def test_the_dictionary_is_read_only():
    with pytest.raises(TypeError):
        segmenter.add_word("美好商城", 100)


def test_remembered_blocks_cut_like_jieba_wherever_they_occur(reference):
    """The segmenter remembers the cut of short blocks; a block met again, at another offset, next to other
    blocks, and a block too long to be remembered, are all cut as jieba cuts the whole text."""
    long_block = "超长续航旗舰芯片运行流畅多任务不卡顿轻薄机身握感舒适随身携带更方便高清大屏色彩细腻"
    assert len(long_block) > CompactTokenizer.MAX_CACHED_BLOCK
    texts = ["华为手机 8GB+128GB 黑色", "黑色华为手机，8GB+128GB。", f"{long_block} 华为手机 {long_block}"]
    for mode in ("default", "search"):
        for text in texts * 2:
            assert list(segmenter.tokenize(text, mode=mode)) == list(reference.tokenize(text, mode=mode)), text
            assert list(segmenter.tokenize(text, mode=mode, HMM=False)) == list(
                reference.tokenize(text, mode=mode, HMM=False)
            )


def test_tokenize_refuses_bytes_as_jieba_does():
    with pytest.raises(ValueError):
        list(segmenter.tokenize("华为手机".encode()))
