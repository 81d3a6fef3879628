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
        if (!File.Exists(path))
        {
            var fresh = RandomNumberGenerator.GetBytes(IdentitySettings.MinimumKeyBytes);
            var written = $"{path}.{Guid.NewGuid():N}";
            try
            {
                // Written whole for its owner alone, then put in place at once: a server starting beside
                // this one never reads half a key, and never has its key replaced.
                Directory.CreateDirectory(folder);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using (var writer = new StreamWriter(new FileStream(written, options)))
                {
                    writer.Write(Convert.ToBase64String(fresh));
                }

                File.Move(written, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another start put its key in place first: that one is the key.
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ServerStartException(
                    $"cannot make the development signing key {path}: {e.Message}; set {IdentitySettings.Section}:SigningKey or SigningKeyFile");
            }
            finally
            {
                if (File.Exists(written))
                {
                    File.Delete(written);
                }
            }
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
