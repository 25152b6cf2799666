"""The GRPO quickstart's reward: "is the answer the colour the sighting reports".

The GRPO stage starts from a model that already answers with one of the four colours, chosen
without regard to the question (the recipe's format-only SFT stage), so about a quarter of its
answers are right by chance and each group of answers holds right and wrong ones to compare.

The right colour scores 1.0. Another of the four colours scores 0.1: every wrong colour gets the
same small credit, so it favours no colour, but it keeps a wrong colour above an answer that is
no colour at all. With nothing for a wrong colour, pushing the wrong colours down pushed the
answers off the colours (longer, unfinished answers) at a high learning rate. Anything else
scores 0.0. The comparison is exact, case and all: " green" (a leading space) is not "green",
and the benchmark scores the colours without one.

TRL calls it with the completions and each row's `answer` column (the colour the sighting
reports), as keyword arguments.
"""

COLOURS = ("red", "green", "blue", "yellow")


def colour_reward(completions, answer, **kwargs):
    rewards = []
    for completion, right in zip(completions, answer, strict=True):
        said = completion[-1]["content"] if isinstance(completion, list) else completion
        rewards.append(1.0 if said == right else 0.1 if said in COLOURS else 0.0)
    return rewards
