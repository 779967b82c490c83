SPACY_MODEL = 'en_core_web_lg'
