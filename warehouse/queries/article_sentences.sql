SELECT sentence_index, sentence FROM sentences WHERE article_id = $article_id ORDER BY sentence_index;
