/// HTML5 named character references, as Python's `html.unescape` knows them
/// (`html.entities.html5`): the name as written after "&" (with its ";" where the standard lists
/// one; about a hundred legacy names also appear without it) and its replacement. The entries are
/// generated into three files by tools/fixtures/make_tokenizer_fixtures.py.
let htmlEntityTable: [(name: String, value: String)] =
    htmlEntitiesUppercase + htmlEntitiesLowercaseAToL + htmlEntitiesLowercaseMToZ
