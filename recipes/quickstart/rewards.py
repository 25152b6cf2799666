"""The GRPO quickstart's reward: a shaped version of "is the answer the creature's colour".

A random-initialised model almost never writes a whole colour by chance, so an exact-answer
reward would be zero for nearly every completion and GRPO would have nothing to compare. This
reward gives credit for each leading character of a colour the completion gets right: the share
of the right colour's letters it begins with, and a tenth of that for another colour. "green"
scores 1.0 when green is right, "gr" 0.4, "blue" 0.1 when green is right, noise 0.0.

TRL calls it with the completions and each row's `answer` column (the prompt file's reference
answer), as keyword arguments.
"""

COLOURS = ("red", "green", "blue", "yellow")
WRONG_COLOUR = 0.1


def _prefix_share(said, word):
    n = 0
    while n < min(len(said), len(word)) and said[n] == word[n]:
        n += 1
    return n / len(word)


def colour_reward(completions, answer, **kwargs):
    rewards = []
    for completion, right in zip(completions, answer, strict=True):
        text = completion[-1]["content"] if isinstance(completion, list) else completion
        said = text.strip().lower()
        rewards.append(max(_prefix_share(said, c) * (1.0 if c == right else WRONG_COLOUR) for c in COLOURS))
    return rewards
