"""The GRPO quickstart's reward: "is the answer the creature's colour", with partial credit.

A random-initialised model almost never writes a whole colour by chance, so an exact-answer
reward would be zero for nearly every completion and GRPO would have nothing to compare. This
reward gives half a point for starting with the right colour's first letter and the other half
in proportion to how many of its following letters come next: when green is right, "green"
scores 1.0, "gre" 0.75, "g" 0.5, "blue" or " green" (a leading space) 0.0.

The first letter is worth the same for every colour, and another colour earns nothing: credit
that favoured one colour (a short one, or any colour at all) would teach the model to say that
colour to every creature before it learned which creature is which, and GRPO learns nothing from
a group of identical answers.

TRL calls it with the completions and each row's `answer` column (the prompt file's reference
answer), as keyword arguments.
"""


def colour_reward(completions, answer, **kwargs):
    rewards = []
    for completion, right in zip(completions, answer, strict=True):
        text = completion[-1]["content"] if isinstance(completion, list) else completion
        said = text.lower()
        n = 0
        while n < min(len(said), len(right)) and said[n] == right[n]:
            n += 1
        rewards.append(0.0 if n == 0 else 0.5 + 0.5 * (n - 1) / (len(right) - 1))
    return rewards
