@_exported import PalisadeCore
