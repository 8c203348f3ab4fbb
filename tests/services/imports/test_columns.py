"""crm.services.imports.columns: suggested mapping and bank-account columns."""

from crm.services.imports import columns


def test_mapping_suggestions():
    assert columns.suggest_mapping(["Username", "Nama", "WhatsApp", "Rekening"]) == {"username": "Username", "name": "Nama", "phone": "WhatsApp"}
    assert columns.suggest_mapping(["user id", "customer name", "no. hp"]) == {"username": "user id", "name": "customer name", "phone": "no. hp"}
    assert columns.suggest_mapping(["Nama", "HP", "Rekening Bank", "ID"]) == {"username": "ID", "name": "Nama", "phone": "HP"}
    assert columns.suggest_mapping(["Nama", "HP"]) == {"username": None, "name": "Nama", "phone": "HP"}
    for col in ("No Rek", "rekening bank", "Account Number", "Bank Account", "norek", "Rek BCA", "rek_bca", "Nomer Rek",
                "Acc Number", "Acct Number", "No Bank", "Nomor Bank", "Bank Number", "Akun Bank", "IBAN"):
        assert columns.is_bank_column(col), col
    for col in ("Kota", "Nama", "Account ID status", "Nama Bank", "No HP", "No Akun", "User ID"):
        assert not columns.is_bank_column(col), col


def test_bank_values_under_any_header():
    assert columns.looks_like_bank_numbers(["1370012345678", "0987654321", "5220 3344 1122"])
    assert not columns.looks_like_bank_numbers(["0812 1111 2222", "0812 1111 3333", "0812 1111 4444"])  # phones
    assert not columns.looks_like_bank_numbers(["1370012345678", ""])  # one value says nothing
    assert columns.bank_columns(["username", "catatan", "No Rek"], [["a", "1370012345678", ""], ["b", "0987654321", ""]]) \
        == ["catatan", "No Rek"]


def test_suggestions_follow_the_synonyms_given():
    deposits = {"date": ("tanggal", "date"), "username": ("username", "user"), "amount": ("jumlah", "amount")}
    assert columns.suggest_mapping(["Tanggal", "User", "Jumlah Deposit", "No Rek"], deposits) == {
        "date": "Tanggal", "username": "User", "amount": "Jumlah Deposit"}
