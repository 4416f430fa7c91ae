"""Text for translation: gettext catalogues read and cleaned into sentence pairs, their split
into parts that share no sentence, and the bilingual lexicon that scores word translations."""
