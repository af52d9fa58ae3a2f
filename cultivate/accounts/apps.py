from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cultivate.accounts"
    label = "accounts"
    verbose_name = "Tenants and members"
