"""Word embeddings learned from a corpus: Word2Vec (gensim), GloVe (embedlab's own), the one-hot
vocabulary baseline, and pretrained vectors (GloVe 6B, or a word2vec/GloVe file)."""

from embedlab.methods.word.base import VOCABULARY_PARAMS, WordEmbedder
from embedlab.methods.word.glove import GloVe
from embedlab.methods.word.onehot import WordOneHot, one_hot_sizes
from embedlab.methods.word.pretrained import PretrainedWords
from embedlab.methods.word.word2vec import Word2Vec

__all__ = [
    "VOCABULARY_PARAMS",
    "GloVe",
    "PretrainedWords",
    "Word2Vec",
    "WordEmbedder",
    "WordOneHot",
    "one_hot_sizes",
]
