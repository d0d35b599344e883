"""The `transformer` assignment as ../shared/exercise-contract.md fixes it.

Everything that needs an exercise's number, file or points reads it here.
"""
from dataclasses import dataclass

ASSIGNMENT = "transformer"


@dataclass(frozen=True)
class Exercise:
    number: int
    id: str
    points: float
    title: str
    title_zh: str

    @property
    def file(self) -> str:
        return f"{self.id}.py"


EXERCISES = (
    Exercise(1, "positional_encoding", 10.0, "sinusoidal position table", "正弦位置编码表"),
    Exercise(2, "attention", 15.0, "masked scaled dot-product attention, causal mask", "带掩码的缩放点积注意力、因果掩码"),
    Exercise(3, "multi_head", 15.0, "head split/merge reshape, multi-head forward", "多头拆分/合并与多头前向"),
    Exercise(4, "feed_forward", 10.0, "position-wise feed-forward network", "逐位置前馈网络"),
    Exercise(5, "transformer_block", 20.0, "LayerNorm from its formula, post-LN residual wiring", "按公式实现 LayerNorm，Post-LN 残差连接"),
    Exercise(6, "bert", 15.0, "fix the BERT padding-mask bug", "修复 BERT 的 padding mask 错误"),
    Exercise(7, "warmup", 15.0, "learning-rate warmup schedules", "学习率 warmup 调度"),
)
BY_ID = {e.id: e for e in EXERCISES}
MAX_SCORE = sum(e.points for e in EXERCISES)
# The files a submission consists of; nothing else is graded or submitted.
FILES = ("__init__.py",) + tuple(e.file for e in EXERCISES)
