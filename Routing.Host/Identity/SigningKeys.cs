using System.Security.Cryptography;
using CallCenter.Routing.Host.InteractionLog;
using Microsoft.IdentityModel.Tokens;

namespace CallCenter.Routing.Host.Identity;

/// <summary>
/// The symmetric key tokens are signed with: the configured one, the one in the configured file,
/// or the development key, made on the first start in the server's data folder (readable by its
/// owner alone) so that a server run on loopback works at once and its tokens survive a restart.
/// </summary>
public static class SigningKeys
{
    /// <summary>The development key's file under the data folder.</summary>
    public const string DevelopmentKeyFileName = "signing-key";

    /// <summary>The key, or null with an <see cref="IdentitySettings.Authority"/> (its published keys sign).</summary>
    /// <exception cref="ServerStartException">The key file is missing or does not hold a key.</exception>
    public static SymmetricSecurityKey? Resolve(IdentitySettings settings, string? dataFolder = null)
    {
        if (settings.SigningKey is { } configured)
        {
            return Key(Decode(configured)!);
        }

        if (settings.SigningKeyFile is { } file)
        {
            return Key(Read(file, $"{IdentitySettings.Section}:SigningKeyFile"));
        }

        return settings.Authority is null ? Key(Development(dataFolder ?? LocalDataFolders.Root())) : null;
    }

    /// <summary>Base64 of at least <see cref="IdentitySettings.MinimumKeyBytes"/> bytes, else null.</summary>
    public static byte[]? Decode(string text)
    {
        try
        {
            var bytes = Convert.FromBase64String(text.Trim());
            return bytes.Length >= IdentitySettings.MinimumKeyBytes ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The development key in <paramref name="folder"/>, made there the first time.</summary>
    public static byte[] Development(string folder)
    {
        var path = Path.Combine(folder, DevelopmentKeyFileName);
        if (File.Exists(path))
        {
            return Read(path, DevelopmentKeyFileName);
        }

        var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(IdentitySettings.MinimumKeyBytes));
        try
        {
            // Created only where none is (atomically), for its owner alone: a server starting beside
            // this one never has its key replaced, and takes the one made first.
            Directory.CreateDirectory(folder);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(new FileStream(path, options)))
            {
                writer.Write(fresh);
            }

            return Convert.FromBase64String(fresh);
        }
        catch (IOException) when (File.Exists(path))
        {
            return WrittenByAnother(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException(
                $"cannot make the development signing key {path}: {e.Message}; set {IdentitySettings.Section}:SigningKey or SigningKeyFile");
        }
    }

    /// <summary>The key another start made first: it may still be writing it, for a moment.</summary>
    private static byte[] WrittenByAnother(string path)
    {
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (patience.Elapsed < TimeSpan.FromSeconds(2))
        {
            if (Decode(File.ReadAllText(path)) is { } key)
            {
                return key;
            }

            Thread.Sleep(10);
        }

        return Read(path, DevelopmentKeyFileName);
    }

    private static byte[] Read(string path, string setting)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ServerStartException($"{setting}: cannot read the signing key {path}: {e.Message}");
        }

        return Decode(text) ?? throw new ServerStartException(
            $"{setting}: {path} does not hold a signing key (base64 of at least {IdentitySettings.MinimumKeyBytes} bytes)");
    }

    private static SymmetricSecurityKey Key(byte[] bytes) => new(bytes) { KeyId = "callcenter" };
}
