"""Single sign-on's pure rules and its configuration: groups to roles, allowed domains, half-set config."""
import pytest

from app.config import ConfigError, from_env, parse_group_roles
from app.services.sso_logins import email_domain_allowed, role_for_groups

MAPPING = {"billing-admins": "admin", "finance": "finance", "cs": "cs"}
SSO_ENV = {"OIDC_ISSUER": "https://login.seller.example", "OIDC_CLIENT_ID": "billing-console",
           "OIDC_CLIENT_SECRET": "s3cret", "OIDC_ALLOWED_DOMAINS": "Seller.example, staff.example",
           "OIDC_GROUP_ROLES": "billing-admins=admin, finance=finance"}


def test_group_roles_are_parsed():
    assert parse_group_roles("billing-admins=admin, finance=finance,cs=cs") == MAPPING
    assert parse_group_roles("") == {}
    assert parse_group_roles("cn=auditors=viewer") == {"cn=auditors": "viewer"}  # the last = splits


@pytest.mark.parametrize("text", ["billing-admins=superuser", "finance", "=admin", "finance="])
def test_group_roles_naming_no_known_role_refuse_to_start(text):
    with pytest.raises(ConfigError, match="OIDC_GROUP_ROLES"):
        parse_group_roles(text)


@pytest.mark.parametrize("groups, role", [
    (["finance", "billing-admins"], "admin"),  # the most powerful mapped role wins
    (["cs", "finance"], "finance"),
    (["everyone", "cs"], "cs"),
    (["everyone"], None),
    ([], None),
])
def test_role_for_groups(groups, role):
    assert role_for_groups(groups, MAPPING) == role


@pytest.mark.parametrize("email, allowed", [
    ("ada@seller.example", True), ("Ada@Seller.Example", True), ("ada@staff.seller.example", False),
    ("ada@seller.example.evil", False), ("seller.example", False), ("", False),
])
def test_email_domain_must_be_allowed_exactly(email, allowed):
    assert email_domain_allowed(email, ("seller.example",)) is allowed


def test_sso_settings_are_read_from_the_environment(monkeypatch, tmp_path):
    for name, value in SSO_ENV.items():
        monkeypatch.setenv(name, value)
    config = from_env({"INSTANCE_PATH": str(tmp_path)})
    assert config["OIDC_ALLOWED_DOMAINS"] == ["seller.example", "staff.example"]
    assert config["OIDC_GROUP_ROLES"] == {"billing-admins": "admin", "finance": "finance"}
    assert config["OIDC_GROUPS_CLAIM"] == "groups" and config["PASSWORD_LOGIN"] is True


@pytest.mark.parametrize("missing", ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ALLOWED_DOMAINS", "OIDC_GROUP_ROLES"])
def test_half_configured_sso_refuses_to_start(monkeypatch, tmp_path, missing):
    for name, value in SSO_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=f"OIDC_ISSUER is set but {missing} is not"):
        from_env({"INSTANCE_PATH": str(tmp_path)})


def test_password_login_off_without_sso_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    monkeypatch.setenv("PASSWORD_LOGIN", "off")
    with pytest.raises(ConfigError, match="PASSWORD_LOGIN=off needs single sign-on"):
        from_env({"INSTANCE_PATH": str(tmp_path)})
