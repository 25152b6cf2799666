"""intern's builtin reward functions for GRPO, called by `trl grpo` as TRL calls any reward function.

The train stage of a GRPO recipe writes this file beside its TRL config, and `reward_funcs`
names `intern_rewards.<function>`; TRL imports it from the job's working directory.

`exact_answer`: 1.0 when the completion is the row's reference answer, else 0.0. "Is" means:
the completion's text (a conversational completion's last message), with whitespace trimmed at
both ends and one final full stop dropped, equals the `answer` column trimmed the same way,
compared case-insensitively (str.casefold). Anything more ("The answer is blue") scores 0.0:
it is the reward for short answers, such as a multiple-choice benchmark's choices.
"""


def _text(completion):
    if isinstance(completion, list):
        return completion[-1]["content"] if completion else ""
    return completion


def _plain(text):
    text = str(text).strip()
    if text.endswith("."):
        text = text[:-1].rstrip()
    return text.casefold()


def exact_answer(completions, answer, **kwargs):
    """1.0 for each completion that is its row's answer (trimmed, case-insensitive), else 0.0."""
    return [1.0 if _plain(_text(c)) == _plain(a) else 0.0 for c, a in zip(completions, answer, strict=True)]
