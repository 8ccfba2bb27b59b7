INSERT OR IGNORE INTO sentences (article_id, sentence_index, sentence)
SELECT article_id, sentence_index, sentence FROM new_sentences;
