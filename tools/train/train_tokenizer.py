"""Trains the bundled model's tokenizer: a SentencePiece-style Unigram model (the kind UMT5 uses), with a
lowercasing normalizer, Metaspace pre-tokenizer and `</s>` appended, trained with the tokenizers library
on captions of training-split scenes.

    python tools/train/train_tokenizer.py --out runs/tokenizer
"""
import argparse, json, os
import numpy as np
from tokenizers import Tokenizer, Regex, decoders, models, normalizers, pre_tokenizers, processors, trainers
import captions, configs, world

SPECIAL = ["<pad>", "</s>", "<unk>"]  # ids 0, 1, 2 as in T5


def corpus(count, seed):
    rng = np.random.default_rng(seed)
    for i in range(count):
        yield captions.caption(world.sample_scene(rng, "train"), rng)


def build(vocab_size, count=20000, seed=7):
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.Replace(Regex(" {2,}"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=SPECIAL, unk_token="<unk>", max_piece_length=12)
    tok.train_from_iterator(corpus(count, seed), trainer)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)])
    return tok


def save(tok, out):
    os.makedirs(out, exist_ok=True)
    tok.save(os.path.join(out, "tokenizer.json"))
    config = {"backend": "tokenizers", "tokenizer_class": "T5Tokenizer", "eos_token": "</s>", "pad_token": "<pad>",
              "unk_token": "<unk>", "extra_ids": 0, "model_max_length": configs.MAX_TEXT_TOKENS}
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--vocab", type=int, default=configs.TOKENIZER_VOCAB)
    args = p.parse_args()
    tok = build(args.vocab)
    assert [tok.token_to_id(s) for s in SPECIAL] == [0, 1, 2]
    save(tok, args.out)
    sample = "A small RED ball moving left over the sea at night, the camera zooms in"
    print(tok.get_vocab_size(), "pieces;", sample, "->", tok.encode(sample).tokens)
